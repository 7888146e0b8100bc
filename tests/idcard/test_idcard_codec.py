"""The frame codec against the reference's test vectors, plus a fuzzed streaming decoder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.idcard import errors
from devices.idcard.codec import (
    Command,
    Frame,
    FrameDecoder,
    Reply,
    decode_command,
    decode_frames,
    decode_reply,
    encode_command,
    encode_read_reply,
    encode_reply,
    encode_set_baud,
    encode_set_max_rf_frame,
    parse_appended_address,
    parse_read,
    parse_sam_id,
    parse_select,
)
from devices.status import CompletionCode

COMMAND_VECTORS = {
    Command.FIND_CARD: "AA AA AA 96 69 00 03 20 01 22",
    Command.SELECT_CARD: "AA AA AA 96 69 00 03 20 02 21",
    Command.READ_TEXT_PHOTO: "AA AA AA 96 69 00 03 30 01 32",
    Command.READ_TEXT_PHOTO_FINGERPRINT: "AA AA AA 96 69 00 03 30 10 23",
    Command.SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    Command.SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    Command.RESET_SAM: "AA AA AA 96 69 00 03 10 FF EC",
}

REPLY_VECTORS = {
    "find OK": ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),
    "no card": ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),
    "select OK": ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, bytes(8)),
    "select fail": ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),
    "read fail": ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),
    "status OK": ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),
}


@pytest.mark.parametrize("command", list(COMMAND_VECTORS))
def test_command_encoding_matches_reference_vector(command: Command) -> None:
    assert encode_command(command) == bytes.fromhex(COMMAND_VECTORS[command])


@pytest.mark.parametrize("command", list(COMMAND_VECTORS))
def test_encoded_command_decodes_back_to_the_same_command(command: Command) -> None:
    dec = FrameDecoder()
    dec.feed(encode_command(command))
    assert decode_command(dec.next_frame()).command is command


def test_parameterised_commands() -> None:
    assert encode_set_baud(9600) == bytes.fromhex("AAAAAA9669 0003 6004 67")
    assert encode_set_baud(115200)[5:9] == bytes.fromhex("0003 6000")
    assert encode_set_max_rf_frame(0x50) == bytes.fromhex("AAAAAA9669 0004 61FF50 CA")
    with pytest.raises(ValueError):
        encode_set_baud(4800)
    assert decode_command(decode_frames(encode_set_baud(9600))[0]).command is Command.SET_BAUD  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(REPLY_VECTORS))
def test_reply_vectors_decode_and_reencode(name: str) -> None:
    hex_text, sw3, data = REPLY_VECTORS[name]
    raw = bytes.fromhex(hex_text)
    dec = FrameDecoder()
    dec.feed(raw)
    reply = decode_reply(dec.next_frame())
    assert (reply.sw1, reply.sw2, reply.sw3, reply.data) == (0, 0, sw3, data)
    assert encode_reply(sw3, data) == raw


def test_read_reply_has_reference_length_and_header() -> None:
    raw = encode_read_reply(bytes(range(256)), b"\x01" * 1024)
    assert len(raw) == 1295
    assert raw[:14] == bytes.fromhex("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    read = parse_read(decode_reply(decode_frames(raw)[0]))  # type: ignore[arg-type]
    assert read.text == bytes(range(256)) and read.photo == b"\x01" * 1024
    assert "bytes" in repr(read) and "\\x01" not in repr(read)


def test_fingerprint_read_reply_lengths() -> None:
    with_fp = encode_read_reply(bytes(256), bytes(1024), bytes(1024))
    without = encode_read_reply(bytes(256), bytes(1024), b"")
    assert len(with_fp) == 2321 and with_fp[5:7] == b"\x09\x0a"
    assert len(without) == 1297 and without[5:7] == b"\x05\x0a"
    read = parse_read(decode_reply(decode_frames(with_fp)[0]), with_fingerprint=True)  # type: ignore[arg-type]
    assert len(read.fingerprint) == 1024


def test_read_reply_with_inconsistent_lengths_is_malformed() -> None:
    reply = Reply(0, 0, 0x90, b"\x01\x00\x04\x00" + bytes(100))
    with pytest.raises(errors.MalformedReply):
        parse_read(reply)


def test_sam_id_select_and_appended_address() -> None:
    sam = (5).to_bytes(2, "little") + (1).to_bytes(2, "little")
    sam += b"".join(n.to_bytes(4, "little") for n in (20101010, 12345678, 987654321))
    assert parse_sam_id(Reply(0, 0, 0x90, sam)) == "05.01-20101010-0012345678-0987654321"
    assert parse_select(Reply(0, 0, 0x90, bytes(range(8)))) == bytes(range(8))
    with pytest.raises(errors.SelectFailed):
        parse_select(Reply(0, 0, 0x81, b""))
    addr = "河南省平顶山市新华区中兴路8号".ljust(35).encode("utf-16-le")
    assert parse_appended_address(Reply(0, 0, 0x90, addr)) == "河南省平顶山市新华区中兴路8号"
    assert parse_appended_address(Reply(0, 0, 0x91, b"")) is None


SW3_CLASSES = {
    0x10: errors.ChecksumError,
    0x11: errors.LengthError,
    0x21: errors.CommandError,
    0x23: errors.Unauthorised,
    0x24: errors.UnrecognisedError,
    0x31: errors.CardAuthenticationFailed,
    0x32: errors.SamAuthenticationFailed,
    0x33: errors.VerificationError,
    0x40: errors.UnknownCardType,
    0x41: errors.ReadFailed,
    0x47: errors.RandomNumberFailed,
    0x60: errors.SamSelfTestFailed,
    0x66: errors.SamNotAuthorised,
    0x80: errors.NoCard,
    0x81: errors.SelectFailed,
    0x91: errors.NoContent,
}


@pytest.mark.parametrize("sw3", sorted(SW3_CLASSES))
def test_every_status_code_is_a_typed_error_with_two_languages(sw3: int) -> None:
    reply = Reply(0, 0, sw3, b"")
    assert not reply.ok
    with pytest.raises(SW3_CLASSES[sw3]) as info:
        reply.raise_for_status()
    exc = info.value
    assert exc.sw3 == sw3
    assert isinstance(exc, errors.IdCardError)
    assert exc.message_zh and exc.message_en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message_zh)
    assert exc.message_en.isascii() and exc.message_en.endswith(".")


def test_unknown_status_code_and_card_problems_are_user_errors() -> None:
    exc = Reply(0, 0, 0x55, b"").error()
    assert isinstance(exc, errors.UnknownStatus) and exc.sw3 == 0x55
    assert errors.NoCard().code is CompletionCode.USER_ERROR
    assert errors.ReadFailed().code is CompletionCode.USER_ERROR
    assert errors.SamSelfTestFailed().code is CompletionCode.HARDWARE_ERROR


# --- streaming decoder -----------------------------------------------------------------------


def test_decoder_accepts_stray_byte_inside_preamble() -> None:
    raw = bytes.fromhex("AA 00 AA AA 96 69 00 04 00 00 80 84")
    [frame] = decode_frames(raw)
    assert decode_reply(frame).sw3 == 0x80  # type: ignore[arg-type]


def test_decoder_byte_by_byte() -> None:
    raw = encode_read_reply(bytes(256), bytes(1024))
    dec = FrameDecoder()
    got = []
    for b in raw:
        dec.feed(bytes([b]))
        if (frame := dec.next_frame()) is not None:
            got.append(frame)
    assert len(got) == 1 and dec.buffered == 0


def test_decoder_reports_bad_checksum_then_resynchronises() -> None:
    bad = bytearray(encode_reply(0x90))
    bad[-1] ^= 0xFF
    good = encode_reply(0x9F, bytes(4))
    out = decode_frames(b"\x00\x13garbage" + bytes(bad) + b"\xaa\xaa" + good)
    assert isinstance(out[0], errors.BadFrameChecksum)
    assert out[1:] == [Frame(bytes([0, 0, 0x9F]) + bytes(4))]


def test_decoder_rejects_short_and_oversized_lengths() -> None:
    out = decode_frames(bytes.fromhex("AAAAAA9669 0001 00") + encode_reply(0x80))
    assert isinstance(out[0], errors.BadFrameLength) and isinstance(out[1], Frame)
    out = decode_frames(bytes.fromhex("AAAAAA9669 FFFF 00") + encode_reply(0x80), max_frame=4096)
    assert isinstance(out[0], errors.FrameTooLarge) and isinstance(out[1], Frame)


def test_decoder_keeps_buffer_bounded_on_endless_garbage() -> None:
    dec = FrameDecoder()
    for _ in range(1000):
        dec.feed(b"\x00\x01\xaa" * 100)
        assert dec.next_frame() is None
    assert dec.buffered < 4


frames_strategy = st.lists(
    st.tuples(st.integers(0, 255), st.binary(max_size=300)), min_size=1, max_size=6
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=frames_strategy, data=st.data())
def test_fuzz_any_chunking_yields_the_same_frames(
    frames: list[tuple[int, bytes]], data: st.DataObject
) -> None:
    stream = b"".join(encode_reply(sw3, payload) for sw3, payload in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    dec = FrameDecoder()
    got: list[Reply] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        dec.feed(stream[prev:cut])
        prev = cut
        got.extend(decode_reply(f) for f in dec.frames())
    assert [(r.sw3, r.data) for r in got] == frames


@settings(max_examples=500, deadline=None)
@given(noise=st.binary(max_size=3000), chunk=st.integers(1, 64), max_frame=st.integers(11, 5000))
def test_fuzz_noise_raises_only_protocol_errors_and_stays_bounded(
    noise: bytes, chunk: int, max_frame: int
) -> None:
    dec = FrameDecoder(max_frame)
    for i in range(0, len(noise), chunk):
        dec.feed(noise[i : i + chunk])
        while True:
            try:
                frame = dec.next_frame()
            except errors.ProtocolError:
                continue
            if frame is None:
                break
            assert 2 <= len(frame.payload) <= max_frame
        assert dec.buffered <= max_frame + chunk


@settings(max_examples=200, deadline=None)
@given(
    before=st.binary(max_size=200).filter(lambda b: b"\xaa\x96" not in b),
    sw3=st.integers(0, 255),
    payload=st.binary(max_size=200),
)
def test_fuzz_a_frame_after_noise_is_found(before: bytes, sw3: int, payload: bytes) -> None:
    # Noise that cannot contain a sync: the frame must come out intact, whatever else happens.
    out = decode_frames(before + encode_reply(sw3, payload))
    frames = [f for f in out if isinstance(f, Frame)]
    assert frames and decode_reply(frames[-1]) == Reply(0, 0, sw3, payload)
