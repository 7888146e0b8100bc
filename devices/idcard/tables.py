"""Code tables printed on the card: sex (GB/T 2261.1) and nation (GB 3304).

Names are as the card itself prints them ("男", "汉"), with English names for the English UI.
"""

from __future__ import annotations

# GB/T 2261.1-2003 human sexes: (Chinese, English).
SEX: dict[str, tuple[str, str]] = {
    "0": ("未知", "Unknown"),
    "1": ("男", "Male"),
    "2": ("女", "Female"),
    "9": ("未说明", "Unspecified"),
}

# GB 3304-1991 nationalities of China, in code order 01..56, plus 97 and 98.
_NATIONS = (
    ("汉", "Han"),
    ("蒙古", "Mongol"),
    ("回", "Hui"),
    ("藏", "Tibetan"),
    ("维吾尔", "Uyghur"),
    ("苗", "Miao"),
    ("彝", "Yi"),
    ("壮", "Zhuang"),
    ("布依", "Buyei"),
    ("朝鲜", "Korean"),
    ("满", "Manchu"),
    ("侗", "Dong"),
    ("瑶", "Yao"),
    ("白", "Bai"),
    ("土家", "Tujia"),
    ("哈尼", "Hani"),
    ("哈萨克", "Kazakh"),
    ("傣", "Dai"),
    ("黎", "Li"),
    ("傈僳", "Lisu"),
    ("佤", "Va"),
    ("畲", "She"),
    ("高山", "Gaoshan"),
    ("拉祜", "Lahu"),
    ("水", "Sui"),
    ("东乡", "Dongxiang"),
    ("纳西", "Nakhi"),
    ("景颇", "Jingpo"),
    ("柯尔克孜", "Kyrgyz"),
    ("土", "Monguor"),
    ("达斡尔", "Daur"),
    ("仫佬", "Mulao"),
    ("羌", "Qiang"),
    ("布朗", "Blang"),
    ("撒拉", "Salar"),
    ("毛南", "Maonan"),
    ("仡佬", "Gelao"),
    ("锡伯", "Xibe"),
    ("阿昌", "Achang"),
    ("普米", "Pumi"),
    ("塔吉克", "Tajik"),
    ("怒", "Nu"),
    ("乌孜别克", "Uzbek"),
    ("俄罗斯", "Russian"),
    ("鄂温克", "Evenk"),
    ("德昂", "De'ang"),
    ("保安", "Bonan"),
    ("裕固", "Yugur"),
    ("京", "Gin"),
    ("塔塔尔", "Tatar"),
    ("独龙", "Derung"),
    ("鄂伦春", "Oroqen"),
    ("赫哲", "Hezhen"),
    ("门巴", "Monpa"),
    ("珞巴", "Lhoba"),
    ("基诺", "Jino"),
)

NATION: dict[str, tuple[str, str]] = {f"{i:02d}": names for i, names in enumerate(_NATIONS, 1)}
NATION["97"] = ("其他", "Other")
NATION["98"] = ("外国血统", "Of foreign origin")

SEX_CODE_BY_NAME = {zh: code for code, (zh, _en) in SEX.items()}
NATION_CODE_BY_NAME = {zh: code for code, (zh, _en) in NATION.items()}
