"""Answers built from a page's blocks: procedures whole, tables with their header, the list items a
question names, one block per part of a multi-part question, nothing unrelated tacked on."""

from __future__ import annotations

from bot.blocks import parse
from bot.compose import ANSWER_CHARS, compose
from knowledge.keyword import BM25Index, tokenize
from knowledge.types import Chunk, Hit

RETURNS = """Not happy with something you bought? You can return most items within 30 days.

- **Tea:** only in its original sealed packaging. We cannot take back opened tea unless it is faulty.
- **Teaware:** unused, clean and in the original box.
- **Appliances:** complete with all accessories and manuals, in the original packaging.
- **Gift cards** cannot be returned.

Items bought in our sale can be returned under the same conditions as full-price items."""

STEPS = """To return an item:

1. Sign in and go to **My account > Orders**.
2. Choose the order and click **Request a return**.
3. Select the items and tell us the reason for the return.
4. Pack the items securely, ideally in the original shipping box.
5. Follow the return instructions we send you by email.

If you ordered as a guest, use the return form on our website."""

REFUNDS = """The money goes back to your original payment method:

| Payment method | Money back in your account |
|---|---|
| Visa, Mastercard, American Express | 3-5 working days |
| PayPal, Alipay, WeChat Pay | 1-3 working days |
| iDEAL, Bancontact | 2-3 working days |"""

EU = "Returns from EU countries are free. We email you a prepaid return label within one working day."


def hit(text: str, section: str = "", n: int = 0) -> Hit:
    return Hit(chunk=Chunk(id=f"d{n}-h-0", text=text, source=f"{n}.md", section=section), score=0.9)


def answer(question: str, *texts: str, sections: list[str] | None = None):
    hits = [hit(t, (sections or [""] * len(texts))[i], i) for i, t in enumerate(texts)]
    # Word weights as the bot takes them: BM25 idf over the knowledge, here the blocks given.
    blocks = [b.text for t in (RETURNS, STEPS, REFUNDS, EU) + texts for b in parse(t)]
    index = BM25Index({str(i): tokenize(b) for i, b in enumerate(blocks)})
    return compose(question, hits, [parse(t) for t in texts], lambda t: index.idf(t) / 2)


def test_blocks_keep_a_list_with_its_lead_in_and_a_table_with_its_header():
    kinds = [(b.kind, b.lead) for b in parse(STEPS)]
    assert kinds == [("steps", "To return an item:"), ("prose", "")]
    table = parse(REFUNDS)[0]
    assert table.kind == "table" and table.lead.startswith("The money goes back")
    assert table.head[0].startswith("| Payment method") and len(table.items) == 3


def test_a_code_fence_is_one_block_whatever_blank_lines_it_holds():
    blocks = parse("Run this:\n\n```bash\ndocker compose up\n\ndocker ps\n```\n\nThen open the page.")
    assert [b.kind for b in blocks] == ["code", "prose"]
    assert blocks[0].text.count("```") == 2 and blocks[0].lead == "Run this:"


def test_a_loose_list_is_one_block():
    blocks = parse("1. Open settings.\n\n2. Click Billing.\n\n3. Choose a plan.")
    assert len(blocks) == 1 and len(blocks[0].items) == 3


def test_a_procedure_comes_whole_and_in_order_with_its_lead_in():
    got = answer("How do I return something?", RETURNS, STEPS)
    text = got.parts[0].text
    assert text.startswith("To return an item:")
    positions = [text.index(f"{i}. ") for i in range(1, 6)]
    assert positions == sorted(positions)
    assert "Gift cards" not in text


def test_a_question_about_one_list_item_gets_that_item_alone():
    got = answer("I opened a box of tea, can I send it back?", RETURNS)
    assert "sealed packaging" in got.parts[0].text
    assert "Teaware" not in got.parts[0].text and "Appliances" not in got.parts[0].text
    assert got.parts[0].text.endswith("\n…")  # the list goes on: the customer is not told it ends there


def test_a_table_answer_keeps_its_header_and_the_row_asked_about():
    got = answer("How long until a PayPal refund is back in my account?", REFUNDS)
    text = got.parts[0].text
    assert "| Payment method" in text and "1-3 working days" in text
    assert "Bancontact" not in text and "…" not in text  # the header says it is an excerpt


def test_a_multi_part_question_gets_a_block_for_each_part():
    got = answer("I bought a kettle in the sale, can I return it, and are returns from the EU free?",
                 RETURNS, EU)
    texts = " ".join(p.text for p in got.parts)
    assert "same conditions" in texts and "prepaid return label" in texts
    assert {p.hit for p in got.parts} == {0, 1}


def test_an_answer_stays_within_the_limit_and_marks_what_it_cut():
    long_steps = "To set up:\n\n" + "\n".join(f"{i}. Do step number {i} of the setup, carefully and "
                                              "completely, before going on." for i in range(1, 20))
    got = answer("How do I set up?", long_steps)
    text = got.parts[0].text
    assert len(text) <= ANSWER_CHARS["en"] and text.endswith("…") and text.startswith("To set up:")


def test_chinese_blocks_and_limit():
    text = "退货步骤如下：\n\n1. 登录后进入“我的账户 > 订单”。\n2. 选择对应订单，点击“申请退货”。\n3. 按照邮件中的说明寄回。"
    got = answer("怎么退货？", text)
    assert got.parts[0].text.startswith("退货步骤如下：") and "3. 按照邮件" in got.parts[0].text
    assert len(got.parts[0].text) <= ANSWER_CHARS["zh"]


def test_questions_alone_are_not_quoted():
    assert answer("How long is the warranty?", "How long is the warranty?") is None


def test_a_long_paragraph_keeps_the_sentences_that_answer_within_the_limit():
    long = " ".join(f"Clause number {i} says nothing of interest here." for i in range(20))
    long += " The warranty lasts two years from delivery."
    got = answer("How long does the warranty last?", long)
    text = got.parts[0].text
    assert len(text) <= ANSWER_CHARS["en"] and "The warranty lasts two years" in text and text.startswith("…")


def test_similarity_picks_the_block_words_cannot_rank():
    # An English question about Chinese knowledge shares no word with it: the embedder's
    # similarity (here given) finds the answer.
    text = "我们的仓库位于上海。\n\n退款会在5个工作日内到账。\n\n客服每天9点上班。"
    hits = [hit(text)]
    seen = []

    def similarity(texts):
        seen.append(list(texts))
        return [0.9 if "退款" in t else 0.8 for t in texts]

    got = compose("Tell me about refunds.", hits, [parse(text)], lambda t: 1.0, similarity)
    assert got.parts[0].text == "退款会在5个工作日内到账。" and len(seen[0]) == 3
    assert "客服" not in "".join(p.text for p in got.parts)  # the next paragraph is further off


def test_a_command_under_a_step_stays_in_the_procedure():
    text = ("1. Open the setup page:\n\n```bash\nhttp://localhost/install\n```\n\n"
            "2. Sign in at:\n\n```bash\nhttp://localhost\n```")
    blocks = parse(text)
    assert [b.kind for b in blocks] == ["steps"] and len(blocks[0].items) == 2
    rendered = blocks[0].text
    assert rendered.index("1. Open") < rendered.index("/install") < rendered.index("2. Sign in")
    assert "   ```bash" in rendered  # indented, so Markdown keeps it inside its step


def test_a_how_to_question_gets_the_procedure_before_a_closer_overview():
    overview = "Returns are simple: most items come back to us within 30 days, and an item you return is refunded."
    steps = STEPS.split("\n\nIf you ordered")[0]

    def similarity(texts):  # the overview reads closer to the question than the steps do
        return [0.92 if t.startswith("Returns are simple") else 0.88 for t in texts]

    hits = [hit(overview, n=0), hit(steps, n=1)]
    index = BM25Index({str(i): tokenize(b.text) for i, b in enumerate(parse(overview) + parse(steps))})
    got = compose("How do I return an item?", hits, [parse(overview), parse(steps)],
                  lambda t: index.idf(t) / 2, similarity)
    assert got.parts[0].text.startswith("To return an item:") and "5. Follow" in got.parts[0].text


def test_a_how_to_question_gets_the_steps_of_the_page_it_is_answered_from_untitled_or_not():
    overview = "The chat bubble shows your app as a floating button on your website."
    steps = ("Step 1: Get your embed token from **Publish > Embed**.\n\n"
             "Step 2: Add the chat bubble script to your website's HTML.\n\nStep 3: Open your site and try it.")

    def similarity(texts):  # the overview reads closer to the question than the steps do
        return [0.92 if t.startswith("The chat bubble") else 0.88 for t in texts]

    def at(text, section):
        return Hit(chunk=Chunk(id=f"e-{section}", text=text, source="embed.md", section=section), score=0.9)

    # the steps sit under a heading the question does not name ("Configuration Options")
    hits = [at(overview, "Chat Bubble"), at(steps, "Chat Bubble > Configuration Options")]
    got = compose("How do I put a chat bubble on my website?", hits, [parse(overview), parse(steps)],
                  lambda t: 1.0, similarity)
    assert "Step 1: Get your embed token" in got.parts[0].text
    # a procedure from another page still needs to be about what the question names
    elsewhere = [hits[0], Hit(chunk=Chunk(id="x", text=steps, source="other.md", section="Setup"), score=0.9)]
    got = compose("How do I put a chat bubble on my website?", elsewhere, [parse(overview), parse(steps)],
                  lambda t: 1.0, similarity)
    assert got.parts[0].text.startswith("The chat bubble")


def test_a_long_code_block_is_quoted_by_the_lines_the_question_names():
    stanzas = [f"/* Button distance to side {i}, default is `{i}rem` */\n--bubble-button-side-{i}" for i in range(40)]
    stanzas.insert(25, "/* Button background color, default is `#155EEF` */\n--bubble-button-bg-color")
    text = "The following CSS variables are supported:\n\n```css\n" + "\n\n".join(stanzas) + "\n```"
    got = compose("What is the default background color of the bubble button?", [hit(text)], [parse(text)],
                  lambda t: 1.0)
    quoted = got.parts[0].text
    assert "#155EEF" in quoted and len(quoted) <= ANSWER_CHARS["en"]
    assert quoted.startswith("The following CSS variables are supported:\n```css\n…\n/* Button background")
    assert quoted.endswith("--bubble-button-bg-color\n…\n```")  # still one closed fence
    # a block that shares nothing with the question is still not quoted in part
    assert compose("How do I cancel my plan?", [hit(text)], [parse(text)], lambda t: 1.0) is None
    # nor is a fence that never closes: a part of it could leave the answer's Markdown open
    from bot.blocks import Block
    from bot.compose import _fit
    open_fence = Block("code", body="```css\n" + "\n\n".join(stanzas))
    assert _fit(open_fence, {"background"}, lambda t: 1.0, 300) == ""


def test_the_same_list_read_from_two_chunks_is_quoted_once_whatever_its_lead_in():
    with_lead = "You can share an app as follows:\n\n1. Export the app as a file.\n2. Import the file in the other workspace."
    alone = "1. Export the app as a file.\n2. Import the file in the other workspace."
    got = compose("How do I share an app with another workspace?", [hit(with_lead, "Share"), hit(alone, "Share")],
                  [parse(with_lead), parse(alone)], lambda t: 1.0, lambda texts: [0.9] * len(texts))
    assert " ".join(p.text for p in got.parts).count("1. Export the app") == 1


def test_a_short_list_is_quoted_whole_however_long_its_lead_in():
    text = ("Make sure the machine that runs the server in production meets the following minimum system "
            "requirements.\n\nHardware:\n- CPU >= 2 cores\n- RAM >= 4 GiB")
    got = compose("How many CPU cores do I need?", [hit(text)], [parse(text)], lambda t: 1.0)
    assert "RAM >= 4 GiB" in got.parts[0].text and "…" not in got.parts[0].text


def test_a_follow_up_gets_the_row_it_names_not_the_one_asked_before():
    zh = ("款项原路退回：\n\n| 支付方式 | 到账时间 |\n|---|---|\n| Visa、Mastercard | 3-5个工作日 |\n"
          "| 支付宝、微信支付 | 1-3个工作日 |")
    got = compose("用Visa呢？ (用支付宝付款，退款多久到账？)", [hit(zh)], [parse(zh)], lambda t: 1.0, focus="用Visa呢？")
    text = got.parts[0].text
    assert "3-5个工作日" in text and "| 支付方式" in text


def test_a_note_between_steps_does_not_split_the_procedure():
    text = ("1. Find the model.\n2. Click **Add credential**.\n\nTip: Add a faster key more than once.\n\n"
            "3. Turn on at least two keys.\n\n```bash\nhelpdesk serve\n```\n\n4. Click **Save**.")
    blocks = parse(text)
    assert [b.kind for b in blocks] == ["steps", "prose"]
    assert [i.split(".")[0] for i in blocks[0].items] == ["1", "2", "3", "4"]
    assert "helpdesk serve" in blocks[0].items[2] and blocks[1].text.startswith("Tip:")
    # a list that starts again at 1 is another procedure
    assert [b.kind for b in parse("1. A.\n2. B.\n\nThen:\n\n1. C.\n2. D.")] == ["steps", "steps"]


def test_a_section_that_only_leads_in_brings_its_subsections():
    from bot.blocks import section_blocks

    doc = [Chunk(id="d-h-0", text="Make sure your machine meets the following minimum requirements.",
                 source="a.md", section="Before you start"),
           Chunk(id="d-h-1", text="- CPU >= 2 cores\n- RAM >= 4 GiB", source="a.md",
                 section="Before you start > Hardware"),
           Chunk(id="d-h-2", text="Run it anywhere.", source="a.md", section="Deploy")]
    blocks = section_blocks(doc, doc[0])
    # the sentence that leads in leads what it announces: one block, quoted together
    assert [b.kind for b in blocks] == ["list"]
    assert blocks[0].lead == "Make sure your machine meets the following minimum requirements.\n\nHardware:"
    got = compose("What are the minimum CPU and memory requirements?", [hit(doc[0].text, "Before you start")],
                  [blocks], lambda t: 1.0)
    text = " ".join(p.text for p in got.parts)
    assert "RAM >= 4 GiB" in text and text.startswith("Make sure")  # a short list is quoted whole


def test_a_sentence_that_leads_in_leads_a_labelled_list():
    blocks = parse("Meet the following requirements.\n\nHardware:\n- CPU >= 2 cores\n- RAM >= 4 GiB\n\nThanks.")
    assert [b.kind for b in blocks] == ["list", "prose"]
    assert blocks[0].lead == "Meet the following requirements.\n\nHardware:"
    assert blocks[0].text.endswith("- RAM >= 4 GiB")


def test_each_part_of_a_question_asked_in_several_gets_its_block():
    from bot.compose import question_parts

    assert len(question_parts("寄到成都要多久？运费多少？")) == 2
    assert len(question_parts("Can I return it and who pays shipping from Germany?")) == 2
    assert len(question_parts("How do I return something?")) == 1
    times = "配送时效：\n\n- 北京、上海、成都：发货后7-10个工作日送达\n- 新疆、西藏：发货后10-15个工作日送达"
    prices = "运费：\n\n| 目的地 | 标准运费 |\n|---|---|\n| 中国大陆 | 14.95欧元 |"
    faq = "Q: 寄到上海要多久？\nA: 寄往上海一般在发货后7-10个工作日送达。"
    got = answer("寄到成都的包裹一般要多久才能送达签收？运费多少？", faq, times, prices)
    text = " ".join(p.text for p in got.parts)
    assert "14.95欧元" in text and "成都" in text


def test_the_same_block_from_two_hits_is_quoted_once():
    text = "Batch uploading is available on Professional and Team.\n\nEach file may be up to 15 MB."
    got = answer("Can I batch upload files on Professional, and how big can each file be?", text, text)
    quoted = [p.text for p in got.parts]
    assert len(quoted) == len(set(quoted))


def test_a_short_section_headed_by_what_is_asked_is_quoted_whole_in_order():
    # The sentence after a config block reads closest to the question; without the block it
    # says "replace the URL" of nothing.
    text = ("For Cursor, create or edit the `.cursor/mcp.json` file in your project root:\n\n"
            "```json\n{\"mcpServers\": {\"my-app\": {\"url\": \"https://example.com/mcp\"}}}\n```\n\n"
            "Simply replace the URL with your app's server address. Cursor detects the file by itself.")
    other = "Claude Desktop connects through Settings > Integrations."

    def similarity(texts):
        return [0.9 if t.startswith("Simply") else 0.8 for t in texts]

    hits = [hit(text, "MCP server > Integration with Cursor", 0), hit(other, "MCP server > Claude", 1)]
    got = compose("How do I connect my app to Cursor?", hits, [parse(text), parse(other)], lambda t: 1.0, similarity)
    quoted = [p.text for p in got.parts]
    assert quoted[0].startswith("For Cursor, create or edit") and "```json" in quoted[0]
    assert quoted[1].startswith("Simply replace the URL")
    # a section whose heading the question does not name is not: only what answers is quoted
    hits = [hit(text, "MCP server > Clients", 0), hit(other, "MCP server > Claude", 1)]
    got = compose("How do I connect my app to Cursor?", hits, [parse(text), parse(other)], lambda t: 1.0, similarity)
    assert "```json" not in "".join(p.text for p in got.parts)
    # what each hit gave is every part quoted from it, in order (a price in the first part counts)
    got = compose("How do I connect my app to Cursor?", [hit(text, "MCP server > Integration with Cursor", 0)],
                  [parse(text)], lambda t: 1.0, similarity)
    assert got.by_hit() == {0: "\n\n".join(p.text for p in got.parts)} and len(got.parts) == 2


def test_each_part_gets_the_block_closest_to_that_part_alone():
    # The paragraph holds the words of both parts, so by words the first part looks answered;
    # the line that names the plans is the closest to that part alone.
    text = ("Load balancing: Professional, Team\n\n"
            "Use load balancing to spread requests across keys. A key that hits its limit rests for a minute.")
    question = "Which plans offer load balancing, and how long does a key that hits its limit rest?"

    def similarity(texts):
        return [0.8 if t.startswith("Load balancing:") else 0.9 for t in texts]

    def part_similarity(part, texts):
        plans = part.startswith("Which plans")
        return [(0.95 if plans else 0.7) if t.startswith("Load balancing:") else 0.85 for t in texts]

    hits = [hit(text, "Models > Sharing traffic")]
    got = compose(question, hits, [parse(text)], lambda t: 1.0, similarity, part_similarity=part_similarity)
    assert [p.text[:16] for p in got.parts] == ["Load balancing: ", "Use load balanci"]
    got = compose(question, hits, [parse(text)], lambda t: 1.0, similarity)
    assert [p.text[:16] for p in got.parts] == ["Use load balanci"]  # words alone cannot tell
    # a follow-up ("And which plans?" completed into the question) answers its own part only
    got = compose(question, hits, [parse(text)], lambda t: 1.0, similarity, focus="And which plans offer it?",
                  part_similarity=part_similarity)
    assert got.parts[0].text.startswith("Load balancing:")


def test_a_how_long_question_prefers_a_block_with_a_quantity_not_the_word_one():
    # "一个链接" is "a link", not a duration: only "72 小时" answers "多久".
    link = "邀请页面在发送后会显示一个链接，复制此链接给用户。"
    expiry = "链接会在 72 小时后过期。"
    got = answer("这种链接能用多久？", link, expiry)
    assert got.parts[0].text == expiry
    assert answer("链接能用多久？", "链接一个月后过期。", link).parts[0].text == "链接一个月后过期。"



def test_a_price_question_prefers_a_block_with_an_amount_of_money_not_any_number():
    # "30 天" and "90 天" are numbers, but "多少钱" is answered by the price.
    downgrade = "Guard Plus 按年付费的订阅可以在 30 天内降级，降级后 90 天内保留数据。"
    prices = "Guard Plus 的价格：按月 $9.99，按年 $89.99。"
    assert answer("Guard Plus 按年付多少钱？", downgrade, prices).parts[0].text == prices
    assert answer("How much does Guard Plus cost per year?",
                  "You can downgrade a yearly Guard Plus plan within 30 days.",
                  "Guard Plus costs $89.99 a year.").parts[0].text == "Guard Plus costs $89.99 a year."


def test_a_table_quoted_after_another_block_keeps_the_row_asked_about_with_its_header():
    # The prose is quoted first and covers "Guard Plus"; the table still gives that row, not the
    # first rows that fit or the "Guard" row whose name the question also holds.
    upgrade = ("升级：从 Guard 升级到 Guard Plus 立即生效。按年付费的用户只需支付 $5 的差价，按月付费的用户"
               "在下一个账单日支付新价格。降级在下一个续费日生效，在此之前你仍可使用全部功能。") * 2
    plans = ("| 套餐 | 按月 | 按年 |\n|---|---|---|\n"
             "| 免费版 | $0 | $0 |\n| Guard | $4.99 | $49.99 |\n| Guard Plus | $8.99 | $89.99 |")
    texts = [upgrade, plans]
    hits = [Hit(chunk=Chunk(id=f"d-h-{i}", text=t, source="billing.md", section=""), score=0.9)
            for i, t in enumerate(texts)]
    index = BM25Index({str(i): tokenize(b.text) for i, b in enumerate(parse(upgrade) + parse(plans))})
    got = compose("Guard Plus 按年付多少钱？", hits, [parse(t) for t in texts], lambda t: index.idf(t) / 2,
                  lambda xs: [0.9] * len(xs))
    assert [p.hit for p in got.parts] == [0, 1]
    assert got.parts[1].text == "| 套餐 | 按月 | 按年 |\n|---|---|---|\n| Guard Plus | $8.99 | $89.99 |\n…"


def test_the_list_item_whose_label_the_question_names_comes_first_when_not_all_fit():
    care = ("- **Clay teapots** are unglazed and slowly absorb the aroma of the tea. Rinse them with hot water "
            "only; never use soap or detergent, and never put them in the dishwasher. Let the pot air-dry with "
            "the lid off. We recommend using each clay teapot for one type of tea only.\n"
            "- **Cast iron teapots** have an enamel lining and are for serving only, not for heating water on the "
            "stove. Wash them by hand with warm water, dry them immediately and never put them in the dishwasher.\n"
            "- **Porcelain gaiwans** are dishwasher-safe.\n"
            "- **Glass teapots** are heat-resistant borosilicate glass and can go in the top rack of the "
            "dishwasher. Do not place them on a stove or an open flame.")
    text = answer("Can I put the glass teapot in the dishwasher?", care).parts[0].text
    assert "top rack" in text and text.index("Clay") < text.index("Glass")  # in the page's order


def test_a_table_row_whose_name_the_question_gives_in_full_is_quoted():
    # The Plus row shares more of the question's words ("costs much less per month"); the row the
    # question names is the plain plan's.
    plans = ("| Plan | Monthly | Yearly | What's included |\n| --- | --- | --- | --- |\n"
             "| Free | $0 | $0 | Guest network, firmware updates |\n"
             "| Nestwave Guard | $4.99 | $49.99 | Malware blocking, content filters, 30 days of history |\n"
             "| Nestwave Guard Plus | $8.99 | $89.99 | Everything in Guard, and time limits; costs much less per month "
             "when paid yearly |")
    text = answer("How much does Nestwave Guard cost per month?", plans).parts[0].text
    assert "$4.99" in text and "| Free" not in text


def test_a_procedure_written_as_numbered_sections_comes_whole_within_the_answer():
    from bot.blocks import section_blocks

    long = ("Click on the avatar in the upper right corner, then go to the Data Source page, and click the "
            "Configure button next to the crawler you use. ")
    doc = [Chunk(id=f"d-h-{i}", text=long + f"Then check step {i} in the list of results. " * 2, source="w.md",
                 section=f"Crawler > {i}. {name}")
           for i, name in enumerate(["Configure credentials", "Scrape the page", "Review results", "Publish"], 1)]
    blocks = section_blocks(doc, doc[1])
    assert blocks[0].kind == "steps" and len(blocks[0].items) == 4
    got = compose("How do I set up the crawler?", [hit(doc[1].text, doc[1].section)], [blocks], lambda t: 1.0)
    text = got.parts[0].text
    assert "4. **Publish**" in text and not text.endswith("\n…")  # every step: the procedure is not cut
    assert len(text) <= ANSWER_CHARS["en"]


def test_a_chinese_question_is_matched_by_its_content_words_not_where_it_says_on():
    # "在 Windows 上" names the system; the shortcut asked about is the one that arranges nodes.
    copy = "在画布上选中节点时：\n\n| Windows | macOS | 操作 |\n|:--|:--|:--|\n| `Ctrl` + `C` | `Cmd` + `C` | 复制 |"
    arrange = "| Windows | macOS | 操作 |\n|:--|:--|:--|\n| `Ctrl` + `O` | `Cmd` + `O` | 自动整理节点排列 |"
    found = answer("在 Windows 上，自动整理画布节点排列的快捷键是什么？", copy, arrange)
    assert found is not None and "Ctrl` + `O" in found.parts[0].text
