"""A written answer is kept only when every number and name in it stands in its sources."""

from __future__ import annotations

from bot.grounding import claims, grounded

SOURCES = ["We process your refund within 5 working days after the return arrives.",
           "Go to **My account > Orders** and click **Request a return**. Set `EXPOSE_NGINX_PORT` in .env.",
           "退款会在 5 个工作日内原路退回，可使用 PayPal 或支付宝。"]


def test_numbers_and_names_from_the_sources_are_grounded():
    assert grounded("Refunds are processed within 5 working days [1].", SOURCES)
    assert grounded("Open My Account > Orders, then click Request a return [2].", SOURCES)
    assert grounded("Change `EXPOSE_NGINX_PORT` [2].", SOURCES)
    assert grounded("退款 5 个工作日内退回，支持 PayPal [3]。", SOURCES)
    assert grounded("退款5个工作日内退回 [3]。", SOURCES)


def test_a_changed_number_or_an_invented_name_is_not():
    assert not grounded("Refunds take 3 working days [1].", SOURCES)
    assert not grounded("Click Refund Now in the Billing menu [2].", SOURCES)
    assert not grounded("Set `NGINX_PORT` [2].", SOURCES)
    assert not grounded("可使用 Stripe 付款 [3]。", SOURCES)


def test_citation_marks_are_no_claims():
    assert claims("Within 5 working days [1] [2].") == ["5"]
