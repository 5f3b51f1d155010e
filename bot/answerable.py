"""Whether the knowledge can answer at all, beyond being about the same product.

When every page is about one product, the best passage is always "relevant": a question about
paying with PayPal finds the billing page. Checks that hold for any help center:

- **Names it never mentions.** A question that names a product, service, format or standard
  (PayPal, EPUB, Kubernetes, Slack, 2FA) which appears nowhere in the knowledge base cannot be
  answered from it, however close the best passage is. Names are words written like names:
  inner capitals or all capitals (PayPal, CSV), a capitalised word inside a sentence (Slack),
  letters with digits (2FA), or Latin words in a Chinese question (EPUB, Excel).
- **Problems told, not asked.** "The kettle stopped heating after 8 months" asks nothing, and the
  relevance scale was calibrated on questions: a statement of a problem scores lower against the
  page that answers it (the warranty, a troubleshooting section) than a question would. Such a
  statement is also searched, and its blocks compared, with the words support pages use for
  problems, and passes a lower gate (``STATEMENT_OFFSET`` in ``bot/options.py``). A fault after
  months of use is searched as a warranty matter, damage found on arrival as a delivery one.
- **Measures and things it never mentions.** "How many watts does the Hub draw?", "What is the
  wattage of the kettle?" and "Is there a student discount?" cannot be answered by pages that never
  speak of watts, wattage, students or discounts.
- **Prices it does not state.** A question about what something costs needs an amount of money
  in the passages that answer it.

The name and price checks err on the side of answering: a word counts as known when any word of
the knowledge base starts with it ("Mac" in "macOS"), and only the quoted passages are checked for
an amount.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from knowledge.keyword import tokenize
from knowledge.lang import detect_language

__all__ = ["unknown_names", "asks_price", "states_price", "is_problem_statement", "support_wording",
           "help_center_wording"]

_NAME = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z]{2,}[A-Za-z]*|[A-Za-z]*\d+[A-Za-z]+[A-Za-z0-9]*|[A-Z][A-Za-z]+\d+)\b")
# A capitalised word that does not start a sentence or clause.
_INNER_CAPITAL = re.compile(r"(?<=[A-Za-z0-9,'’] )[A-Z][a-z]{2,}\b")
# A Latin word in a Chinese question, not part of a domain, address or path (chat.acme.io).
_LATIN = re.compile(r"(?<![./@\w])[A-Za-z][A-Za-z0-9+#-]*(?![./@\w])")
# What a quantity is asked of: "how many watts", "how much caffeine", "the wattage of"; not counts a
# page words otherwise ("how many times" for "once", "how many users" for "members").
_MEASURE = re.compile(r"\bhow (?:much|many) (?!(?:does|do|is|are|was|were|will|would|can|could|should|did|of|more|less|"
                      r"time|times|longer|people|persons|users|ways)\b)([a-z]{3,})\b|\bwhat(?:'s| is| are) the ([a-z]{3,}) of\b", re.IGNORECASE)
# What a question asks exists: "Is there a student discount ...", "有学生优惠吗". Unknown only when
# none of its words is known, as a name is.
_EXISTS = {"en": re.compile(r"\b(?:is|are) there (?:a|an|any) ((?:(?!(?:way|ways|option|options|limit|limits|on|for|to|in|"
                            r"at|of|with|that|which|where|when|if|i|we|you|my|our|the)\b)[a-z-]{3,} ?){1,3})",
                            re.IGNORECASE),
           "zh": re.compile(r"(?<![所拥具含占享持只没])有((?!什么|哪些|多少|几|没有|办法|方法)[\u4e00-\u9fff]{2,6}?)[吗么]")}
# Words written like names that name nothing in particular: a router's "IP address" is not a product.
_COMMON = frozenset("i ok id url faq ai ui api q a ip pc pin led qr otp".split())

_ASKS_PRICE = re.compile(
    r"\bhow much (?:does|do|is|are|will|would|did)\b(?:(?!\b(?:time|space|storage|memory|data|traffic)\b)[^?])*"
    r"\b(?:cost|costs|charge|charges|pay|price)\b|\bhow much is (?:the|a|an|it)\b[^?]*\b(?:plan|subscription|licen[cs]e|fee)"
    r"|\bwhat(?:'s| is| are) the (?:price|cost|fee|fees)\b|\b(?:price|cost) of\b"
    r"|多少钱|价格是|价钱|费用是多少|收费多少|怎么收费|售价", re.IGNORECASE)
_AMOUNT = re.compile(r"[$€£¥￥]\s?\d|\d[\d,.]*\s?(?:usd|eur|gbp|cny|rmb|dollars?|euros?|元|美元|欧元|块)"
                     r"|\b(?:usd|eur|gbp|cny|rmb|price|cost|fee)\w*\s*[:：=]\s*\d"  # a price list: "price_eur: 89.00"
                     r"|\bfree of charge\b|免费(?!试用)", re.IGNORECASE)  # a free trial is no price


def unknown_names(question: str, vocabulary: Iterable[str], known: Callable[[str], bool]) -> list[str]:
    """Names in ``question``, and what it asks a quantity of, that the knowledge base never
    mentions. ``known(token)`` says whether a token occurs in it; ``vocabulary`` are its tokens, for
    names that start a longer word."""
    lang = detect_language(question)
    if lang == "zh":
        names = _LATIN.findall(question)
    else:
        names = (_NAME.findall(question) + _INNER_CAPITAL.findall(question)
                 + [a or b for a, b in _MEASURE.findall(question)])
    # Only a thing of two words or more ("student discount", not "a fee" a page may call a charge).
    names += [x.strip() for x in _EXISTS[lang if lang == "zh" else "en"].findall(question) if len(tokenize(x)) >= 2]
    out: list[str] = []
    for name in dict.fromkeys(names):
        tokens = tokenize(name)
        if not tokens or name.lower() in _COMMON or any(known(t) for t in tokens):
            continue
        needle = name.lower()
        if len(needle) >= 3 and any(word.startswith(needle) for word in vocabulary):
            continue
        out.append(name)
    return out


def asks_price(question: str) -> bool:
    """Whether the question asks what something costs."""
    return bool(_ASKS_PRICE.search(question))


def states_price(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` states an amount of money (or that something is free)."""
    return any(_AMOUNT.search(t) for t in texts)


_QUESTION = re.compile(
    r"[?？]\s*$|^\s*(?:how|what|why|when|where|which|who|whom|whose|can|could|do|does|did|is|are|was|were|will|"
    r"would|should|shall|may|might|have|has|any|tell me|please|i want|i'd like|i would like)\b"
    r"|吗|呢|么|如何|怎么|怎样|为什么|为何|哪|什么|多少|几|是否|能否|可否|请问", re.IGNORECASE)
_PROBLEM = re.compile(
    r"\b(?:stopped|stops|won'?t|doesn'?t|does not|don'?t|didn'?t|can'?t|cannot|isn'?t|aren'?t|never|no longer|"
    r"still|broken|broke|cracked|damaged|missing|error|errors|fails?|failed|failing|crash\w*|stuck|not working|"
    r"disappeared|wrong|keeps?|suddenly|nobody|no one|on (?:its|their) own|by itself|leak\w*|overheat\w*)\b"
    r"|不了|不出来|不上|打不开|没反应|没收到|收不到|失败|报错|出错|坏了|坏掉|损坏|裂|一直|还是|突然|不见了|无法|不能"
    r"|就不|不再|再也不|漏水|漏电|冒烟|异响|不(?:加热|工作|启动|开机|通电|充电|出水|亮|转)",
    re.IGNORECASE)
_SUPPORT = {"en": "problem not working troubleshooting fix faulty warranty",
            "zh": "问题 故障 排查 解决 质量问题 保修"}
# A fault that came after months of use is a warranty matter ("stopped heating after 8 months");
# damage found on arrival is a delivery matter ("arrived cracked").
_AFTER_USE = re.compile(r"\b(?:after|for|within|in)\s+(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                        r"twelve|a few|several)\s+(?:days?|weeks?|months?|years?)\b|\b(?:days?|weeks?|months?|years?)\s+(?:ago|later|old)\b"
                        r"|用了\s*(?:\d+|[一二两三四五六七八九十半几]+)\s*(?:个)?\s*(?:天|周|星期|月|年)|(?:\d+|[一二两三四五六七八九十半几]+)\s*个?\s*(?:月|年)(?:后|以后|之后)",
                        re.IGNORECASE)
_ON_ARRIVAL = re.compile(r"\b(?:arrived|arrives|delivered|came|received|got it)\b|收到的|到货|送到|签收|寄来的|拆开", re.IGNORECASE)
_WARRANTY = {"en": "warranty claim defect faulty", "zh": "保修 质保 故障 保修期"}
_DELIVERY = {"en": "damaged delivery arrived report replacement", "zh": "损坏 破损 收货 签收 补发"}


# How customers say what help pages name otherwise: each phrase gains the page's word, in place,
# so a question's parts stay where they were ("how soon do I get my money back refund?").
_CUSTOMER_WORDS = [
    (re.compile(r"\bmoney back\b|\bget (?:my|our|the) money\b|\breimburs\w*", re.IGNORECASE), "refund"),
    (re.compile(r"\b(?:send|take|give) (?:it|them|this|that|these|those) back\b", re.IGNORECASE), "return"),
    (re.compile(r"\b(?:changed? my mind|no longer want|don'?t want (?:it|them|the order))\b", re.IGNORECASE),
     "cancel return"),
    (re.compile(r"钱[^，。？?！!]{0,6}(?:回来|退回|返还|到账)|退钱|返钱"), "退款"),
    (re.compile(r"寄回去|退回去|送回去"), "退货"),
    (re.compile(r"不想要了|不要了|反悔了"), "取消 退货"),
    (re.compile(r"不付邮费|不用付邮费|不要邮费|免邮|包邮|不付运费|不用付运费"), "免运费"),
]


def help_center_wording(question: str) -> str:
    """The question with the words help pages use for what the customer says in their own ("get my
    money back": refund; "钱什么时候能回来": 退款), to search and match with as well; the question
    itself when it says nothing of the kind."""
    for phrase, words in _CUSTOMER_WORDS:
        question = phrase.sub(lambda m, w=words: f"{m.group(0)} {w}", question)
    return question


def is_problem_statement(question: str) -> bool:
    """Whether the customer tells a problem rather than asking a question ("The teapot arrived cracked.")."""
    return not _QUESTION.search(question) and bool(_PROBLEM.search(question))


def support_wording(question: str) -> str:
    """The problem statement with the words support pages use for problems, to search with as well."""
    lang = detect_language(question)
    question = help_center_wording(question)
    if _AFTER_USE.search(question):
        # How long it worked says which policy applies; it is not what to match ("every 3 months").
        question, words = re.sub(r"\s+([.,!?])", r"\1", _AFTER_USE.sub(" ", question)), _WARRANTY
    else:
        words = _DELIVERY if _ON_ARRIVAL.search(question) else _SUPPORT
    return f"{' '.join(question.split())} {words.get(lang, words['en'])}"
