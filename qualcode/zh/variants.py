"""Variant characters that OpenCC's t2s leaves apart but a researcher means as one (the one place to add more).

Applied after t2s, so keys and values are in t2s output space: each key folds to its value.
"""

VARIANTS: dict[str, str] = {
    "着": "著",  # zhe: mainland 着, Taiwan 著
    "衞": "卫",  # wei: t2s converts 衛 but not the variant 衞
    "粧": "妆",  # zhuang: variant of 妝
    "蔴": "麻",
    "痺": "痹",
    "峯": "峰",
    "𥚃": "里",  # variant of 裡/裏 (outside the BMP)
    "羣": "群",
    "綫": "线",
    "麪": "面",
}
