"""Masking e-mail addresses, phone numbers and card numbers in realistic English and Chinese text,
and leaving order numbers, dates, prices and version numbers alone."""

from __future__ import annotations

import logging

import pytest

from ui.redact import RedactFilter, luhn_ok, redact

MASKED = [
    ("Hi, I'm Ann (ann.lee+orders@example.co.uk). My order hasn't arrived.",
     "Hi, I'm Ann ([email]). My order hasn't arrived."),
    ("Call me on +1 415-555-0132 after 5pm", "Call me on [phone] after 5pm"),
    ("UK office: +44 20 7946 0958; Berlin +49 (30) 901820", "UK office: [phone]; Berlin [phone]"),
    ("my cell is (415) 555-0132 or 415.555.0133", "my cell is [phone] or [phone]"),
    ("toll free 1-800-555-0199.", "toll free [phone]."),
    ("Charge it to 4111 1111 1111 1111, exp 12/27", "Charge it to [card], exp 12/27"),
    ("card 5555-5555-5555-4444 was declined twice", "card [card] was declined twice"),
    ("Amex 378282246310005 please", "Amex [card] please"),
    ("我的手机号是13812345678，请尽快联系我", "我的手机号是[phone]，请尽快联系我"),
    ("电话：138 1234 5678，邮箱 zhang.san@qq.com 谢谢", "电话：[phone]，邮箱 [email] 谢谢"),
    ("联系方式 +86 139-1234-5678 或 +86 13912345678", "联系方式 [phone] 或 [phone]"),
    ("邮箱是张三wang_wu@163.com吗", "邮箱是张三[email]吗"),
    ("银行卡号 6222 0212 3456 7890 128 已经扣款", "银行卡号 [card] 已经扣款"),
]

KEPT = [
    "Order #20240512-0042 placed on 2024-05-12 for $1,299.00",
    "Tracking number 1Z999AA10123456784 shows it in Memphis",
    "I'm on version 2.10.3 (build 20240512.1) of the app",
    "订单号 202405120042，金额 ¥3,280.00，日期 2024年5月12日",
    "invoice 1234567890123 for 1234 5678 9012 3456 units",  # 13 and 16 digits that fail Luhn
    "the server at 192.168.1.10 answered at 10:30:15",
    "SKU 4006381333931 (barcode) costs €19.99",
    "我在 2024-05-12 14:30 下单，第 3 次联系客服",
    "Model XPS-9530 with 32 GB, serial 7HJ2K93",
    "no digits here, just an @mention and a sign@",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_are_kept(text):
    assert redact(text) == text


def test_masking_twice_changes_nothing_more():
    once = redact(MASKED[1][0] + " " + MASKED[8][0])
    assert redact(once) == once and "[phone]" in once


def test_luhn():
    assert luhn_ok("4111111111111111") and luhn_ok("378282246310005") and luhn_ok("6222021234567890128")
    assert not luhn_ok("4111111111111112") and not luhn_ok("1234567890123456")


def test_the_log_filter_masks_the_formatted_message(caplog):
    logger = logging.getLogger("helpdesk.test.redact")
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())
    handler.addFilter(RedactFilter())
    logger.addHandler(handler)
    try:
        logger.warning("hand-off for %s at %s", "ann@example.com", "13812345678")
        logger.warning("order %s", "20240512-0042")
    finally:
        logger.removeHandler(handler)
    assert seen == ["hand-off for [email] at [phone]", "order 20240512-0042"]
