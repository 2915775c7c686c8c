"""Extraction across scripts: articles in languages written without spaces
between words (Thai, Japanese, Chinese, Khmer, Myanmar), with sentence
marks other than Latin ones (Hindi and Bengali dandas, Arabic and Urdu,
Armenian, Myanmar), and with zero-width joiners that are spelling (Persian
half-space), each kept whole by ``newsmill extract``. Pages written here."""

from __future__ import annotations

import html

import pytest
import trafilatura

from newsmill.core.records import RawDocument, SourceRef
from newsmill.extractors import extract
from newsmill.extractors import rules as r
from newsmill.extractors.joiners import as_released, has_joiners

# Each: a headline and five paragraphs of a city-transport story.
STORIES: dict[str, tuple[str, list[str]]] = {
    "th": ("แผนรถโดยสารไฟฟ้าห้าร้อยคัน", [
        "กรุงเทพมหานคร ประกาศแผนปรับปรุงระบบขนส่งสาธารณะครั้งใหญ่ในวันจันทร์ที่ผ่านมา โดยจะเพิ่มรถโดยสารไฟฟ้าอีกห้าร้อยคันภายในสิ้นปีหน้า",
        "ผู้ว่าราชการกรุงเทพมหานครกล่าวว่า โครงการนี้จะช่วยลดมลพิษทางอากาศและลดเวลาการเดินทางของประชาชนในชั่วโมงเร่งด่วนได้อย่างมาก",
        "งบประมาณของโครงการทั้งหมดอยู่ที่ประมาณหนึ่งหมื่นสองพันล้านบาท ซึ่งส่วนหนึ่งจะมาจากความร่วมมือกับภาคเอกชน",
        "นักวิชาการด้านผังเมืองหลายคนเห็นด้วยกับแนวทางดังกล่าว แต่เตือนว่าการก่อสร้างสถานีชาร์จไฟฟ้าต้องวางแผนให้รอบคอบ",
        "สำนักงานขนส่งคาดว่า รถโดยสารชุดแรกจะเริ่มให้บริการในเดือนมีนาคม และจะทยอยเพิ่มจำนวนจนครบตามแผนภายในสองปี",
    ]),
    "ja": ("東京都、電気バス五百台を導入へ", [
        "東京都は月曜日、公共交通機関の大規模な改善計画を発表した。来年末までに電気バスを五百台増やす予定だという。",
        "知事は記者会見で、この計画によって大気汚染が減り、通勤時間帯の移動時間も大幅に短くなると述べた。",
        "計画の総予算は約千二百億円で、その一部は民間企業との協力によってまかなわれる見通しだ。",
        "都市計画の専門家の多くはこの方針を支持しているが、充電設備の建設には慎重な計画が必要だと指摘している。",
        "交通局によると、最初の車両は三月に運行を開始し、二年以内に計画どおりの台数をそろえるという。",
    ]),
    "zh": ("北京将新增五百辆电动公交车", [
        "北京市政府周一公布了一项大规模改善公共交通的计划，预计到明年年底将新增五百辆电动公交车。",
        "市长在新闻发布会上表示，这项计划将减少空气污染，并大幅缩短上下班高峰时段的出行时间。",
        "该项目总预算约为一百二十亿元，其中一部分资金将通过与民营企业合作筹集。",
        "许多城市规划专家支持这一方向，但也提醒充电设施的建设需要周密规划。",
        "交通部门表示，首批车辆将于三月投入运营，并在两年内达到计划规模。",
    ]),
    "hi": ("दिल्ली में पाँच सौ नई इलेक्ट्रिक बसें", [
        "दिल्ली सरकार ने सोमवार को सार्वजनिक परिवहन में बड़े सुधार की योजना की घोषणा की। अगले साल के अंत तक पाँच सौ नई बसें आएँगी।",
        "मुख्यमंत्री ने कहा कि इस योजना से वायु प्रदूषण कम होगा।",
        "पूरी परियोजना का बजट लगभग बारह हज़ार करोड़ रुपये है, जिसका एक हिस्सा निजी कंपनियों से आएगा।",
        "शहरी नियोजन के कई विशेषज्ञों ने इस कदम का स्वागत किया।",
        "परिवहन विभाग के अनुसार पहली बसें मार्च में चलनी शुरू होंगी।",
    ]),
    "fa": ("طرح اتوبوس برقی تهران", [
        "شهرداری تهران روز دوشنبه از طرح بزرگی برای بهبود حمل و نقل عمومی خبر داد که شامل پانصد اتوبوس برقی است.",
        "شهردار در یک نشست خبری گفت این طرح آلودگی هوا را کاهش می\u200cدهد و زمان سفر را کوتاه\u200cتر می\u200cکند.",
        "بودجه کل این طرح حدود دوازده هزار میلیارد تومان است که بخشی از آن از مشارکت با بخش خصوصی تامین می\u200cشود.",
        "شماری از کارشناسان شهرسازی از این اقدام استقبال کردند اما هشدار دادند که ساخت ایستگاه\u200cهای شارژ دقت می\u200cخواهد.",
        "به گفته سازمان حمل و نقل، نخستین اتوبوس\u200cها از اسفند به کار می\u200cافتند.",
    ]),
    "my": ("ရန်ကုန် လျှပ်စစ်ဘတ်စ်ကား အစီအစဉ်", [
        "ရန်ကုန်မြို့တော်စည်ပင်သာယာရေးကော်မတီသည် တနင်္လာနေ့တွင် အများပြည်သူသယ်ယူပို့ဆောင်ရေးကို တိုးတက်စေမည့် အစီအစဉ်ကြီးတစ်ရပ်ကို ကြေညာခဲ့သည်။",
        "မြို့တော်ဝန်က ဤအစီအစဉ်သည် လေထုညစ်ညမ်းမှုကို လျော့ချပေးမည်ဟု ပြောကြားခဲ့သည်။",
        "စီမံကိန်း၏ တစ်စိတ်တစ်ပိုင်းကို ပုဂ္ဂလိကကုမ္ပဏီများနှင့် ပူးပေါင်း၍ ရှာဖွေမည်ဖြစ်သည်။",
        "ကျွမ်းကျင်သူအများအပြားက ဤလမ်းကြောင်းကို ထောက်ခံကြသည်။",
        "ပထမဆုံးကားများကို မတ်လတွင် စတင်ပြေးဆွဲမည်ဖြစ်သည်။",
    ]),
}


def _page(lang: str, title: str, paragraphs: list[str], extra: str = "") -> bytes:
    nav = "".join(f'<li><a href="/section/{i}">{html.escape(p.split()[0][:10])}</a></li>' for i, p in enumerate(paragraphs))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{html.escape(title)}</h1>"
            f"<div class='story'>{body}{extra}</div></article></main><footer><p>© 2026 Example Media</p></footer>"
            f"</body></html>").encode()


def _doc(lang: str, page: bytes) -> RawDocument:
    return RawDocument(url=f"https://news.example/{lang}/transport-plan", body=page, source=SourceRef("t", "urls", ""),
                       site="news.example", content_type="text/html; charset=utf-8", http_status=200)


@pytest.mark.parametrize("lang", sorted(STORIES))
def test_every_paragraph_is_kept(lang: str) -> None:
    title, paragraphs = STORIES[lang]
    article = extract(_doc(lang, _page(lang, title, paragraphs)))
    assert article.paragraphs == paragraphs  # nothing cut, nothing glued, joiners kept
    assert article.title == title
    assert article.language == lang


def test_words_of_unspaced_scripts_are_counted() -> None:
    """About as many words as a spaced translation: a Thai paragraph of
    two space-separated runs is no two-word fragment."""
    thai = STORIES["th"][1][1]
    assert len(thai.split()) == 2 and r.count_words(thai) >= 25
    assert r.count_words("東京都は月曜日、計画を発表した。") == 7  # 14 Han and kana characters
    assert r.count_words("The plan was announced on Monday.") == 6
    assert r.count_words("Прочтите 東京 и ещё") == 4  # a Han run is one word or more


def test_sentence_ends_of_other_scripts() -> None:
    for line in ("यह योजना है।", "این طرح است؟", "یہ منصوبہ ہے۔", "Սա ծրագիր է։", "ဤအစီအစဉ်ဖြစ်သည်။", "ይህ እቅድ ነው።"):
        assert line.endswith(r.SENTENCE_END), line


def test_trafilatura_keeps_the_zero_width_non_joiner() -> None:
    """Through trafilatura's own text too (joiners.py patches its filter);
    ``as_released`` gives trafilatura's stripping back (the benchmark's baseline)."""
    title, paragraphs = STORIES["fa"]
    page = _page("fa", title, paragraphs)
    assert has_joiners(page) and not has_joiners(_page("en", "Plan", ["A plan."]))
    text = trafilatura.extract(page) or ""
    assert "می\u200cدهد" in text
    with as_released():
        released = trafilatura.extract(page) or ""
    assert "\u200c" not in released and "میدهد" in released
    assert "می\u200cدهد" in (trafilatura.extract(page) or "")  # patched again afterwards


_ARTICLE = [
    "The regional administration said on Monday that construction of the new bridge would begin in July "
    "and take about eighteen months, with traffic diverted to a temporary crossing during the works.",
    "Engineers said the old bridge, built in 1965, no longer met safety standards and had been closed to "
    "heavy trucks since last winter, forcing farmers to take a long detour to reach the grain elevator.",
]
_HEADLINES = ["Earthquake felt by residents of the capital", "Snowfall expected in the north on Friday",
              "Flights delayed at the airport after storm"]


@pytest.mark.parametrize("heading", [
    "Czytaj także", "Baca juga", "Xem thêm", "関連記事", "관련기사", "اقرأ أيضا", "यह भी पढ़ें", "Читайте також",
    "Lees ook", "Διαβάστε επίσης", "קראו גם", "Läs också", "Citește și", "Pročitajte još", "Прочетете още",
    "Lue myös", "Bunlar da ilginizi çekebilir", "Leia também"])
def test_read_also_lists_in_other_languages(heading: str) -> None:
    """A "read also" heading and the linked headlines under it go, in the
    languages of news sites beyond the development sets' English."""
    from newsmill.extractors import clean

    result = clean([*_ARTICLE, heading, *_HEADLINES], title="New bridge for the district")
    assert result.paragraphs == _ARTICLE, result.removed
    assert {x.rule for x in result.removed} == {"related.list"}


@pytest.mark.parametrize("prose", [
    "Czytaj także regulamin, przypomniał burmistrz, bo szczegóły są ważne.",
    "Baca juga laporan tahunan kementerian, kata menteri kepada wartawan pada hari Senin.",
    "Xem thêm các quy định mới, bộ trưởng nói với các phóng viên vào thứ Hai.",
])
def test_prose_that_opens_with_the_words_stays(prose: str) -> None:
    from newsmill.extractors import clean

    result = clean([_ARTICLE[0], prose, _ARTICLE[1]], title="New bridge for the district")
    assert prose in result.paragraphs, result.removed
