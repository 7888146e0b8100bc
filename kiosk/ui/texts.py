"""Every sentence the touch screen and the voice say, in Chinese and English, in one place.

Pure data and two tiny helpers: no Qt. Keeping the words together makes them easy to review
for plain language and keeps the two languages in step.
"""

from __future__ import annotations

import math
import textwrap

# One (zh, en) pair type and one way to choose from it, shared with the attendant's words
# (re-exported: the screens import them from here).
from kiosk.attendant_words import Pair as Pair
from kiosk.attendant_words import pick as pick

UI: dict[str, Pair] = {
    # the bar on every citizen screen
    "home": ("首页", "Home"),
    "back": ("返回", "Back"),
    "language": ("English", "中文"),  # the button names the language it switches *to*
    "large_text_both": ("大字模式 Large text", "大字模式 Large text"),
    "elderly_on": ("大字模式", "Large text"),
    "elderly_off": ("标准模式", "Normal text"),
    "help": ("帮助", "Help"),
    "read_aloud": ("朗读", "Read aloud"),
    "seconds_left": ("剩余 {n} 秒", "{n} s left"),
    "more_time_title": ("还需要更多时间吗?", "Need more time?"),
    "more_time_body": (
        "如不操作，{n} 秒后将清除您的信息并返回首页。",
        "Without a touch, your information is cleared in {n} s.",
    ),
    "more_time_button": ("需要更多时间", "More time"),
    "finish_session": ("结束办理", "Finish"),
    # attract
    "touch_to_start": ("请触摸屏幕开始", "Touch the screen to start"),
    "hall_phone": ("服务电话 {phone}", "Service phone {phone}"),
    "demo_badge": ("演示模式", "Demo mode"),
    # home / list / search
    "home_title": ("请选择业务类别", "Choose a category"),
    "search_hint": (
        "搜索业务 (可输入拼音首字母，如 bdc)", "Search (pinyin initials work, e.g. bdc)"
    ),
    "search_results": ("搜索结果", "Search results"),
    "no_search_results": (
        "没有找到相关业务，请换个词试试，或点击类别浏览。",
        "No service matches. Try other letters, or browse a category.",
    ),
    "service_list_title": ("{category}：请选择要办理的业务", "{category}: choose a service"),
    "no_services": (
        "此类别暂无可办理的业务，请返回选择其他类别。",
        "No service is available here now. Please go back and choose another category.",
    ),
    "needs_face": ("需刷身份证并人脸识别", "ID card and face check"),
    "needs_card": ("需刷身份证", "ID card"),
    "can_print": ("可打印证明", "Certificate can be printed"),
    "closed_until": ("现在暂停办理，{opens_at} 起可办理", "Closed now, available from {opens_at}"),
    # card and face
    "place_card_title": ("请将身份证放在读卡区", "Please place your ID card on the reader"),
    "place_card_body": (
        "身份证平放在下方感应区，读取完成前请不要移开。",
        "Lay the card flat on the reader below and keep it there until it is read.",
    ),
    "face_title": ("请看向摄像头", "Please look at the camera"),
    "face_default": ("请将面部放入椭圆框内", "Put your face inside the oval"),
    "face_countdown": ("还剩 {n} 秒", "{n} s left"),
    "face_no_camera": ("正在打开摄像头…", "Starting the camera…"),
    # inputs
    "inputs_title": ("请填写查询信息", "Please fill in the details"),
    "inputs_submit": ("开始查询", "Search"),
    "choose_one": ("请选择", "Please choose"),
    "required": ("请填写此项", "Please fill this in"),
    "keyboard_clear": ("清空", "Clear"),
    "keyboard_delete": ("删除", "Delete"),
    "keyboard_space": ("空格", "Space"),
    "keyboard_hide": ("收起键盘", "Hide"),
    "keyboard_pinyin": ("拼音", "Pinyin"),
    "keyboard_abc": ("英文", "ABC"),
    "pinyin_hint": ("拼音", "pinyin"),
    "field_digits": ("{n} 位数字", "{n} digits"),
    "field_digits_range": ("{low}–{high} 位数字", "{low} to {high} digits"),
    "field_id_number": ("18 位身份证号码，最后一位可能是 X",
                        "18-character ID number; the last may be X"),
    "field_example": ("例如：{example}", "For example: {example}"),
    "field_typed": ("已输入 {n} 位", "{n} typed"),
    "optional": ("(可不填)", "(optional)"),
    # querying, result, printing, done
    "querying": ("正在查询，请稍候…", "Searching, please wait…"),
    "querying_body": ("正在向{agency}查询", "Asking {agency}"),
    "result_title": ("查询结果", "Your result"),
    "no_record": ("未查询到相关记录。", "No record was found."),
    "no_record_body": (
        "这是正常的查询结果，并非系统故障。",
        "This is a normal answer, not a fault of the terminal.",
    ),
    "data_as_of": ("数据截至 {date}", "Data as of {date}"),
    "print": ("打印证明", "Print certificate"),
    "another": ("办理其他业务", "Another service"),
    "finish": ("结束", "Finish"),
    "empty_table": ("无记录", "No entries"),
    "entry_n_of": ("第 {n} 条，共 {total} 条", "Entry {n} of {total}"),
    "printing": ("正在打印，请稍候…", "Printing, please wait…"),
    "printing_body": ("证明正在生成并盖章，打印完成后从出纸口取走。",
                      "The certificate is being sealed and printed. Take it from the slot."),
    "done_title": ("请取走您的证明", "Please take your certificate"),
    "done_code": ("验证码 {code}", "Verification code {code}"),
    "done_body": ("请带好您的身份证。感谢使用，您的信息将被清除，屏幕将自动返回首页。",
                  "Please take your ID card with you. Thank you: your information will be "
                  "cleared and the screen returns by itself."),
    # error and out of service
    "error_title": ("没能完成", "That did not work"),
    "retry": ("再试一次", "Try again"),
    "call_staff": ("呼叫工作人员", "Call staff"),
    "next_retry": ("您可以点击“再试一次”，或返回首页办理其他业务。",
                   "You can tap Try again, or go Home for another service."),
    "next_staff": ("请联系工作人员协助，或拨打 {phone}。",
                   "Please ask staff for help, or call {phone}."),
    "next_home": ("请返回首页，稍后再试。", "Please go Home and try again later."),
    "staff_called": ("已通知工作人员，请在此稍候。",
                     "Staff have been told. Please wait here."),
    "staff_night": ("现在不是工作时间，大厅没有工作人员。需要帮助请拨打 12345 "
                    "政务服务热线（全天），或在工作日到人工窗口办理。",
                    "No staff are in the hall at this hour. For help call the 12345 hotline "
                    "(day and night), or visit a counter on a weekday."),
    "staff_phone": ("工作时间请找大厅工作人员，或拨打 {phone}。",
                    "In office hours ask staff in the hall, or call {phone}."),
    "out_of_service_title": ("本机暂停服务", "This terminal is out of service"),
    "out_of_service_staff": ("维护信息：{reasons}", "For staff: {reasons}"),
    "out_of_service_body": ("设备正在维护，恢复后将自动开放。如需办理，请拨打 {phone}。",
                            "A device is being fixed; the terminal reopens by itself. "
                            "For help call {phone}."),
    # no card; a certificate kept after a failed print; collecting it; the public list
    "no_card_hint": ("没有带身份证? 工作日 {hours} 可到人工窗口办理；政务服务热线 12345（全天）。",
                     "No ID card with you? Staffed counters help on weekdays {hours}; the "
                     "12345 hotline answers day and night."),
    "collect_card_title": ("请放上打印失败时使用的同一张身份证",
                           "Place the same ID card you used when the print failed"),
    "collect": ("领取证明", "Collect my certificate"),
    "all_services": ("服务清单", "All services"),
    "kept_title": ("证明没有打印出来，已为您保存",
                   "Your certificate did not print; it is kept"),
    "kept_code": ("验证码", "Verification code"),
    "kept_slip": ("凭条已从凭条口打出，请取走。",
                  "A claim slip came out of the slip slot: take it."),
    "kept_no_slip": ("请记下或拍下上面的验证码。", "Please write down or photograph the code."),
    "collecting": ("正在打印为您保存的证明…", "Printing the certificates kept for you…"),
    "collecting_body": ("打印完成后请从出纸口取走。", "Take them from the slot when they are out."),
    "all_services_title": ("本机可办理的业务", "Services on this terminal"),
    "all_services_note": ("点任一业务即可开始办理。", "Tap a service to start it."),
    "all_services_none": ("本机暂时没有可办理的业务。工作日 {hours} 可到人工窗口办理；"
                          "政务服务热线 12345（全天）。",
                          "No service is offered on this terminal at present. Staffed "
                          "counters: weekdays {hours}; the 12345 hotline answers day and night."),
    "hours": ("办理时间 {hours}", "Hours {hours}"),
    "phone": ("咨询电话 {phone}", "Enquiries {phone}"),
    # help overlay
    "help_title": ("需要帮助?", "Need help?"),
    "help_body": ("点“首页”回到业务类别（已刷的身份证仍然有效），点“返回”回到上一步，"
                  "办完点“结束办理”清除您的信息。点“朗读”可以听屏幕内容，"
                  "“大字模式”放大文字、放慢语音、延长操作时间。",
                  "Home goes back to the categories (your ID card stays read); Back returns "
                  "one step; Finish clears your information when you are done. Read aloud "
                  "speaks the screen; Large text makes words bigger, speech slower and "
                  "time limits longer."),
    "help_categories": ("各类业务办理什么", "What each category holds"),
    "help_property_vs": ("“房产”和“不动产”有什么不同?",
                         "Property or real estate registration?"),
    "help_property_vs_body": (
        "“房产”是住房管理部门的记录：买卖和租赁合同备案、无房证明、维修资金、公租房。"
        "“不动产”是不动产登记中心的产权登记：房子和土地登记在谁名下、抵押和查封、产权证明。"
        "要证明房子归谁，请选“不动产”；要证明名下有没有房或查合同，请选“房产”。",
        "Property holds the housing office's records: sale and rental contracts, the "
        "no-home certificate, maintenance funds, public rental housing. Real estate "
        "registration holds the legal title: whose name a home or land is registered in, "
        "mortgages and seizures, proof of title. To prove who owns a home, choose real "
        "estate registration; for contracts or a no-home certificate, choose property."),
    "help_phone": ("大厅服务电话 {phone}（工作时间有工作人员）；政务服务便民热线 12345（全天）。",
                   "Hall phone {phone} (staff in office hours); the government service "
                   "hotline 12345 (day and night)."),
    "help_hotline": ("政务服务便民热线 12345（全天有人接听）。",
                     "The government service hotline 12345 answers day and night."),
    "close": ("关闭", "Close"),
    "staff_login": ("工作人员登录", "Staff login"),
    # staff login from a long press in the corner, while a citizen is being served
    "staff_confirm_title": ("工作人员登录", "Staff login"),
    "staff_confirm_body": ("登录将结束当前市民的办理，并清除其信息。确定继续吗?",
                           "Logging in ends the citizen's session now and clears their "
                           "information. Continue?"),
    "staff_confirm_yes": ("结束办理并登录", "End session, log in"),
    "staff_confirm_no": ("继续办理", "Keep the session"),
}

# What each category holds, in plain words (Help).
CATEGORY_HELP: dict[str, Pair] = {
    "property": ("房产：房屋买卖和租赁合同备案、无房证明、家庭住房情况、维修资金、公租房。",
                 "Property: sale and rental contract filings, no-home certificate, household "
                 "housing, maintenance funds, public rental housing."),
    "real_estate": ("不动产：房屋和土地登记在谁名下、产权证明、抵押和查封登记、证书真伪核验。",
                    "Real estate registration: whose name a home or land is registered in, "
                    "proof of title, mortgages and seizures, checking a title certificate."),
    "social_insurance": ("社保：社会保险参保证明、缴费明细、失业和工伤保险、社保卡状态。",
                         "Social insurance: proof of insurance, contributions, unemployment "
                         "and work-injury insurance, social security card status."),
    "medical_insurance": ("医保：医保参保凭证、个人账户余额和明细、缴费记录。",
                          "Medical insurance: proof of cover, personal account balance and "
                          "entries, contributions."),
    "pension": ("养老：养老金发放明细和领取证明、养老保险缴费和缴费年限。",
                "Pension: pension payments and proof of receipt, pension contributions and "
                "years paid."),
    "housing_fund": ("住房公积金：缴存证明和明细、提取记录、公积金贷款和还款。",
                     "Housing provident fund: deposits and proof, withdrawals, fund loans and "
                     "repayments."),
    "electricity": ("国家电网：电费余额和欠费、缴费记录和证明、用电量。",
                    "State Grid electricity: balance and arrears, payments and proof, "
                    "consumption."),
}

# What the voice says on arriving at each screen (flow.Screen values); "read aloud" on a
# screen says this, or a summary of what it shows (kiosk.ui.spoken).
SCREEN_PROMPTS: dict[str, Pair] = {
    "attract": ("欢迎使用政务服务自助终端，请触摸屏幕开始。",
                "Welcome to the government self-service terminal. Touch the screen to start."),
    "home": ("请选择业务类别，或点搜索框查找业务。不清楚选哪一类，请点帮助。",
             "Choose a category, or tap the search box to find a service. Tap Help if you "
             "are not sure which category."),
    "service_list": ("请选择要办理的业务。", "Choose a service."),
    "place_card": ("请将身份证平放在读卡区，读取完成前请不要移开。",
                   "Lay your ID card flat on the reader and keep it there until it is read."),
    "face": ("请看向摄像头，将面部放入椭圆框内，并按屏幕提示动作。",
             "Look at the camera, put your face inside the oval, and follow the instruction "
             "on the screen."),
    "inputs": ("请填写查询信息，填好后点开始查询。",
               "Fill in the details, then tap Search."),
    "querying": ("正在查询，请稍候。", "Searching, please wait."),
    "result": ("查询完成，请查看结果。点朗读可以听结果摘要。",
               "Your result is ready. Tap Read aloud to hear a summary."),
    "printing": ("正在打印证明，请稍候。", "Printing your certificate, please wait."),
    "done": ("打印完成，请从出纸口取走证明，并带好您的身份证。",
             "Please take your certificate from the slot, and your ID card."),
    "error": ("没能完成，请听屏幕上的说明。", "That did not work. Here is what to do."),
    "print_kept": ("证明没有打印出来，已为您保存。", "Your certificate did not print; it is kept."),
    "collecting": ("正在打印为您保存的证明，请稍候。", "Printing the certificates kept for you."),
    "all_services": ("这是本机可办理的全部业务，点任一业务即可开始。",
                     "These are all the services on this terminal. Tap one to start."),
    "out_of_service": ("本机暂停服务，恢复后会自动开放。需要帮助请拨打 12345。",
                       "This terminal is out of service and reopens by itself. For help, "
                       "call 12345."),
}

# What the voice says for each flow.Speak prompt key.
VOICE: dict[str, Pair] = {
    "welcome": ("欢迎使用自助服务终端，请选择要办理的业务。",
                "Welcome. Please choose a service."),
    "place_card": ("请将身份证放在读卡区。", "Please place your ID card on the reader."),
    "face": ("请看向摄像头，将面部放入椭圆框内。",
             "Please look at the camera and put your face inside the oval."),
    "result": ("查询完成，请查看结果。", "Your result is ready."),
    "take_certificate": ("打印完成，请取走您的证明。", "Please take your certificate."),
    "error": ("没能完成，请查看屏幕上的提示。", "That did not work. Please read the screen."),
    "elderly_on": ("已开启大字模式和语音提示。", "Large text and voice guidance are on."),
    "more_time": ("还需要更多时间吗?如需继续，请点“需要更多时间”或触摸屏幕。",
                  "Need more time? Tap More time, or touch the screen, to keep going."),
}

# Attendant screens are for staff: still bilingual, a little terser.
STAFF: dict[str, Pair] = {
    "pin_title": ("工作人员登录：请输入密码", "Staff login: enter your PIN"),
    "pin_wrong": ("密码不正确，或已被暂时锁定。", "Wrong PIN, or login is locked for now."),
    "pin_checking": ("正在验证…", "Checking…"),
    "pin_starting": ("终端仍在启动，暂时无法验证密码，请稍后再试。",
                     "The terminal is still starting and cannot check a PIN yet. Try again "
                     "shortly."),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
    "panel_title": ("工作人员面板", "Attendant panel"),
    "devices": ("设备状态", "Device health"),
    "refresh": ("刷新", "Refresh"),
    "reprint": ("重新打印", "Reprint"),
    "admin_pin_title": ("管理员登录：请输入管理员密码", "Admin login: enter the admin PIN"),
    "sessions_today": ("今日办理 {n} 次", "{n} sessions today"),
    "waiting_jobs": ("待打印的证明", "Certificates waiting"),
    "no_waiting_jobs": ("没有待打印的证明。", "No certificate is waiting."),
    "calls": ("市民呼叫", "Calls from citizens"),
    "call_line": ("{time} 有市民在“{screen}”页面呼叫", "{time} a citizen called from {screen}"),
    "no_calls": ("没有市民呼叫。", "No calls."),
    "answer_calls": ("已到场处理", "Answered"),
    "test_print": ("打印测试页", "Test print"),
    "test_printed": ("测试页已打出。", "The test page printed."),
    "services_admin": ("业务开关（管理员）", "Services (admin)"),
    "admin_title": ("业务开关", "Switch services"),
    "admin_note": ("点一项即可开启或关闭，立即生效，保存在本机并记入审计日志。",
                   "Tap one to switch it on or off: it applies at once, is kept on this "
                   "terminal and goes into the audit log."),
    "service_on": ("已开启", "on"),
    "service_off": ("已关闭", "off"),
    "back_to_panel": ("返回工作人员面板", "Back to the panel"),
    "switch_failed": ("未能切换：{detail}", "Not switched: {detail}"),
    "switch_not_writable": (
        "未能切换：本机无法保存开关（存储已满、只读或没有权限），业务状态没有改变。请联系运维人员。",
        "Not switched: this terminal cannot save the switch (storage full, read-only or no "
        "permission); nothing changed. Please call the maintenance team."),
    "switch_unservable": (
        "未能开启：本机没有配置该业务所需的后台接口或电子印章。请运维人员先在配置文件中配置。",
        "Not switched on: this terminal has no back-end or seal configured for this service. "
        "The maintenance team must configure it first."),
    "switch_file_broken": (
        "未能切换：保存业务开关的文件已损坏，为免丢失其他开关，未作改动。请联系运维人员。",
        "Not switched: the file that keeps the switches is damaged; nothing was changed so that "
        "no other switch is lost. Please call the maintenance team."),
    "switch_busy": (
        "未能切换：另一个管理程序正在修改业务开关，且长时间未完成。请稍后再试；仍不行请联系运维人员。",
        "Not switched: another admin tool has been changing the switches for too long. Try "
        "again shortly; if it persists, call the maintenance team."),
    "switch_held_off": (
        "已保存在本机，但中心的统一配置仍使该业务关闭。",
        "Kept on this terminal, but the centre's configuration keeps the service off."),
    "switch_held_on": (
        "已保存在本机，但中心的统一配置仍使该业务开启。",
        "Kept on this terminal, but the centre's configuration keeps the service on."),
    "clear_jam": ("清理打印队列", "Clear printer queue"),
    "exit": ("退出工作人员模式", "Leave attendant mode"),
    "working": ("正在执行…", "Working…"),
    "action_ok": ("已完成。", "Done."),
    "reprinted": ("已重新打印，验证码 {code}。", "Reprinted, verification code {code}."),
    "nothing_to_reprint": ("没有待打印的证明。", "No certificate is waiting to be printed."),
    "printer_still_not_ready": ("打印机仍未就绪，请检查纸张和卡纸。",
                                "The printer is still not ready: check paper and jams."),
    "confirm_reprint": ("已检查出纸口，仍要打印", "Tray checked: print again"),
    "action_failed": ("未能完成：{detail}", "Did not complete: {detail}"),
    "ready": ("正常", "ready"),
    "not_ready": ("异常", "needs attention"),
    "terminal": ("终端 {id}", "Terminal {id}"),
    "no_devices": ("没有设备信息。", "No device information."),
    "cannot_serve": ("暂停服务原因：{reason}", "Out of service: {reason}"),
    "config_kept": ("配置文件或业务开关文件有误，本机仍按上次有效的设置运行（kiosk-admin "
                    "preflight 可查看）：{detail}",
                    "The config or service switch file has an error; the last good settings "
                    "stay: {detail}"),
}

def t(key: str, language: str, **values: object) -> str:
    """The UI sentence `key` in `language`, with {placeholders} filled in."""
    text = pick(UI[key], language)
    return text.format(**values) if values else text


def both(key: str, **values: object) -> str:
    """Chinese above English, for the few places that always show both (attract, errors)."""
    zh, en = UI[key]
    return f"{zh.format(**values)}\n{en.format(**values)}" if values else f"{zh}\n{en}"


def whole_seconds(seconds: float) -> int:
    """Seconds shown to a citizen: rounded up, so "0 s left" is never shown while time remains."""
    return max(0, math.ceil(seconds))


def wrap_label(text: str, width: int = 14) -> str:
    """Break a button label onto lines of about `width` characters at spaces (Qt buttons do
    not wrap). Chinese labels are short and have no spaces: they stay on one line."""
    return "\n".join(textwrap.wrap(text, width)) if " " in text else text
