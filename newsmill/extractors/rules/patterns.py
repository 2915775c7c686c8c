"""The rules' vocabularies: compiled regexes and word lists, by family.
A regex here only says what a line looks like; the matchers in
:mod:`.line` decide, behind the cheap gates of :mod:`.gates`."""

from __future__ import annotations

import re


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE | re.UNICODE)


# Characters and tokens every rule reads.
_BULLET = re.compile(r"^[-•·*▪►»]\s+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBER = re.compile(r"^[+\-−]?\d+(?:[.,]\d+)*%?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Scripts written without spaces between words: Han and kana (a word is about
# two characters), and Thai, Lao, Tibetan, Myanmar and Khmer (about three
# letters, combining marks not counted). Hangul is written with spaces.
_UNSPACED_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_UNSPACED_SEA = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")
UNSPACED = re.compile(r"[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
                      r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Marks that end a sentence, in the scripts that have them (Unicode's
# Sentence_Terminal, the common ones): Latin, Greek (";" after NFKC),
# Armenian, Arabic and Urdu, Devanagari and Bengali dandas, Myanmar,
# Ethiopic, Khmer, CJK full-width. Thai and Lao end sentences with a space.
# (An ellipsis is no end here: teasers end with one.)
SENTENCE_END = (".", "!", "?", "։", "؟", "۔", "।", "॥", "။", "።", "፧", "។", "៕", "。", "！", "？", "｡", "‼", "⁇",
                "⁈", "⁉")
TERMINAL = ("." , "!", "?", "…", ":", ";", "»", "”", '"', "'", ")", "。", "！", "？", "։", "؟", "۔", "।", "॥",
            "။", "።", "፧", "។", "៕", "｡", "‼", "⁇", "⁈", "⁉", "؛", "、")


# Sharing and promotion: share rows, messenger and newsletter prompts, links and apps elsewhere.
SOCIAL = {
    "facebook", "twitter", "x", "telegram", "whatsapp", "vk", "vkontakte", "вконтакте", "ok",
    "odnoklassniki", "одноклассники", "linkedin", "email", "e-mail", "mail", "print", "instagram",
    "youtube", "tiktok", "viber", "pinterest", "reddit", "weibo", "wechat", "微博", "微信", "qq",
    "threads", "bluesky", "mastodon", "flipboard", "pocket", "skype", "messenger", "copy", "link", "google+",
    "google", "tumblr", "line", "xing", "sms",
    "копировать", "ссылку", "ссылка", "печать", "yazdır", "drucken", "imprimer", "imprimir",
}
SHARE = _rx(
    r"^(share|share this( article| story| post| page)?|share on|share via|поделиться|поделитесь|"
    r"бөлісу|бөлісіңіз|paylaş|paylaşın|haberi paylaş|分享|分享到|ulashish|ulashing|teilen|"
    r"artikel teilen|partager|partagez|compartir|comparte|condividi|compartilhe|compartilhar|partilhar|"
    r"поділитися|udostępnij|podziel się|delen|deel dit artikel|bagikan|chia sẻ|シェア|共有する|공유|공유하기|"
    r"شارك|مشاركة|اشتراک‌گذاری|اشتراک گذاری|शेयर करें|साझा करें|sdílet|distribuie|megosztás|κοινοποίηση|"
    r"שתפו|שיתוף|dela|jaa|сподели|podijeli|podeli)(\s*(:|—|-|\|)|\s|$)"
)
MESSENGER = _rx(
    r"(join|subscribe|follow|read us|find us|get (our|the)|sign up)\b.*\b(telegram|whatsapp|channel|"
    r"newsletter|youtube|instagram|facebook|twitter|viber|tiktok|vk|x\.com|updates|google news)",
    r"(подпис(ывайтесь|аться|ка|итесь)|присоединяйтесь|читайте нас|следите за).*"
    r"(telegram|телеграм|whatsapp|канал|рассылк|дзен|youtube|vk|вконтакте|instagram|соцсет)",
    r"(telegram|whatsapp|instagram|youtube).*(арна|жазылыңыз|жазылу|kanal|katıl|abone|obuna|"
    r"канал|подпис)",
    r"(жазылыңыз|жазылу|abone ol|kanalımıza katıl|obuna bo'?l|obuna bo‘l|abonnieren sie|folgen sie uns|"
    r"abonnez-vous|suivez-nous|suscríbete|síguenos|关注我们|订阅我们|扫码关注|newsletter abonnieren)",
    r"^(join telegram|join us on telegram|telegram channel|our telegram)$",
    # A newsletter sign-up box's messages.
    r"^(thanks|thank you) for (signing up|subscribing)\b", r"keep an eye on your inbox",
    r"\b(dropped|sent|delivered) (right |straight |directly )?(in|into|to) your inbox\b",
    r"^(get|receive) (the latest|our|the best|the top|expert|exclusive)\b.{0,80}\b(in|into|to) your inbox\b",
    r"error processing your (subscription|sign.?up)",
)
# Longer promos that are still unmistakable: a newsletter pitch, an
# author's "follow him on Twitter @handle" tagline.
MESSENGER_LONG = _rx(
    r"\b(sign up|subscribe)\b.{0,100}\b(newsletters?|inbox)\b", r"\bdelivered (straight |directly )?to your inbox\b",
    r"\bfollow (us|him|her|them|me)\b.{0,30}\bon (twitter|x|facebook|instagram|threads|bluesky)\b.{0,40}@\w+",
    r"\bget .{1,60} delivered (through your letterbox|to your door)",
    # membership and subscription pitches
    r"^if you (enjoyed|liked|value|appreciate|appreciated) (this|our) (article|story|journalism|reporting)\b",
    r"^get access to .{0,80}\b(subscription|membership)", r"\bno paywall\b",
)
LINK_PROMPT = re.compile(
    r"^(follow|more|reach|listen|download|itunes|spotify|watch|subscribe|see|read|find|get|visit|explore)\b"
    r".{0,160}https?://\S+", re.IGNORECASE)
# "Get the <outlet> app!", "Click here to read the <outlet> ePaper": a
# prompt to the outlet's app or print edition, the whole line.
APP_PROMO = _rx(
    r"^(get|download|install) (the|our) (free |official |new )?[\w'’ .&-]{0,40}\bapps?\s*[!.]?$",
    r"^(click|tap) here to (read|download|get) (the|our|today'?s) [\w'’ .&-]{0,40}\be-?paper\s*[!.]?$",
)


# Footers: copyright, reprint conditions, contact and address lines, navigation words.
COPYRIGHT = _rx(
    r"©", r"\(c\)\s*\d{4}", r"^copyright\b", r"all rights reserved", r"все права защищены",
    r"барлық құқықтар қорғалған", r"tüm hakları saklıdır", r"版权所有", r"barcha huquqlar himoyalangan",
    r"alle rechte vorbehalten", r"tous droits réservés", r"todos los derechos reservados",
    r"tutti i diritti riservati", r"todos os direitos reservados", r"(всі|усі) права захищені",
    r"wszelkie prawa zastrzeżone", r"alle rechten voorbehouden", r"hak cipta dilindungi", r"bản quyền thuộc về",
    r"無断転載(を)?禁(じます|止)", r"무단 ?전재.{0,6}재배포 ?금지", r"جميع الحقوق محفوظة", r"(کلیه|تمامی) حقوق.{0,60}محفوظ",
    r"सर्वाधिकार सुरक्षित", r"všechna práva vyhrazena", r"toate drepturile rezervate", r"minden jog fenntartva",
    r"με επιφύλαξη παντός δικαιώματος", r"כל הזכויות שמורות", r"alla rättigheter förbehållna",
    r"alle rettigheder forbeholdes", r"kaikki oikeudet pidätetään", r"всички права запазени",
    r"sva prava (zadržana|pridržana)", r"(hər|bütün) hüquqlar qorunur",
)
REPRINT = _rx(
    r"(использовании|перепечатк|цитировании|копировании).*(ссылк|гиперссылк).*(обязательн|разрешается)",
    r"(материалдарды|материал).*(сілтеме).*(міндетті)",
    r"(izinsiz|kaynak gösterilmeden).*(kullanılamaz|yayınlanamaz)",
    r"(reprint|reproduc\w*|republish\w*|redistribut\w*).*(without|prohibited|permission|forbidden)",
    r"(未经|未經).*(授权|許可|许可).*(转载|轉載)",
    r"(nachdruck|vervielfältigung).*(nur mit|untersagt|genehmigung)",
    r"(reproduction|rediffusion).*(interdite|autorisation)",
    r"(reproducción|prohibida).*(total o parcial|sin autorización)",
    r"for your personal,? non.?commercial use only", r"^(order reprints|reprints & permissions|print article)$",
)
CONTACT = _rx(
    r"^write to .{1,80}\bat\s+\S+@\S+", r"^(contact|email|e-mail|reach) (the )?(author|reporter|writer|us)s?\b.{0,80}@\S+",
)
ADDRESS = _rx(r"\b(fone|tel|tel\.|phone|telefon|телефон|тел\.|電話|电话)\s*[:.]?\s*\(?\+?\d")
ADDRESS_MARK = _rx(
    r"\b(cnpj|cep|zip|p\.?\s?o\.? box|caixa postal|rua|street|st\.|avenue|ave\.|ул\.|улица|пр\.|көшесі|"
    r"cad\.|sok\.|mah\.|straße|strasse|rue|calle|avenida)\b|\d{5}-\d{3}|\b\d{5,6}\b",
)
NAV_WORDS = {
    "редакция", "реклама", "контакты", "о нас", "advertising", "contacts", "contact", "about", "us",
    "about us", "социальные", "сети", "privacy", "policy", "terms", "of", "use", "rss", "sitemap",
    "карта", "сайта", "вакансии", "careers", "imprint", "impressum", "datenschutz", "mentions",
    "légales", "aviso", "legal", "contacto", "iletişim", "künye", "hakkımızda", "gizlilik",
    "байланыс", "жарнама", "біз", "туралы", "联系我们", "关于我们", "aloqa", "biz", "haqimizda",
    "home", "главная", "anasayfa", "басты", "бет", "newsroom", "advertise", "подписка", "архив", "archive",
}


# Credits and bylines: photo credits, contributors, sources, dates, stamps, reading time.
_PHOTO_HEAD = (
    r"^(photo|photos|photograph|picture|image|video|фото|фотография|видео|сурет|бейне|foto|fotoğraf|"
    r"görsel|图片来源|图片|照片|摄影|图|视频|rasm|surat|bild|bilder|crédit photo|crédits? photo|crédito|fotografía|"
    r"imagen|zdjęcie|fot\.|ảnh|写真|사진|صورة|الصورة|تصوير|عکس|फोटो|फ़ोटो|fotó|φωτογραφία|צילום|kuva|снимка|"
    r"світлина)(\s*(credit|credits|by|provided by|courtesy( of)?|source|:|：|=|—|-|/|©|\|)|\s*$)",
    r"^(credit|courtesy|источник фото|фото предоставлено|фото из открытых источников)\s*:",
    r"^\(?(фото|photo|foto)\s*:", r"^\(?fot\.\s*\S",  # Polish "Fot. PAP/Leszek Szymański"
)
_PHOTO_AGENCY = r"(getty images|shutterstock|reuters/|ap photo|afp photo|epa/|сурет:)"
PHOTO = _rx(*_PHOTO_HEAD, _PHOTO_AGENCY)
# PHOTO in two parts: the alternatives anchored at the line's start, and
# the agency names found anywhere (the slow part, behind a gate).
_PHOTO_HEAD_RX = _rx(*_PHOTO_HEAD)
_PHOTO_AGENCY_RX = _rx(_PHOTO_AGENCY)
CONTRIBUTORS = _rx(
    r"\bcontributed (to this (report|story|article)|reporting|additional reporting)\b",
    # "Reporting by A; editing by B": names, not a sentence that opens with the words
    r"^\(?(additional )?reporting by\b(?=.*(;|\bediting by\b|\bwriting by\b|\)$)|\s*(\S+\s+){0,6}\S+$)",
    r"^\(?(writing|editing|edited|compiled|compiling) by\b",
    r"^при подготовке (материала|статьи) использованы", r"^haberi hazırlayan\b",
    r"^(mitarbeit|mitwirkung)\s*:", r"^avec (l'|l’)?(afp|reuters|ap)\s*$",
    r"^con información de\b", r"^\(?with (reporting|additional reporting) (by|from)\b",
)
SOURCE_LINE = _rx(
    r"^(source|sources|источник|источники|дереккөз|kaynak|来源|消息来源|quelle|quellen|fuente|fuentes|manba|"
    r"fonte|джерело|źródło|bron|sumber|nguồn|出典|出所|출처|المصدر|منبع|स्रोत|zdroj|sursa|sursă|forrás|πηγή|מקור|"
    r"källa|kilde|lähde|източник|izvor|mənbə)\s*[:：]\s*\S",
)
DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d{2}|"
    r"\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|янв|фев|мар|апр|ма[яй]|июн|июл|авг|сен|окт|ноя|дек|"
    r"oca|şub|nis|haz|tem|ağu|eyl|eki|kas|ara|qań|aqp|nau|säu|mam|mau|şil|tam|qyr|qaz|qar|jel)\w*\.?(\s+\d{4})?|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2},?\s+\d{4}|\d{4}年\d{1,2}月\d{1,2}日)",
    re.IGNORECASE,
)
STAMP = re.compile(
    r"^(updated|last updated|published|обновлено|опубликовано|жаңартылды|güncelleme|güncellenme|"
    r"aktualisiert|mis à jour|actualizado|更新)\s*(at|on|:|于)?\s*\d", re.IGNORECASE)
BYLINE = re.compile(r"^(by|автор|author|yazar|von|par|por|муаллиф|авторы)\s*:?\s+\S", re.IGNORECASE)
READING_TIME = _rx(
    r"^(reading time|read time|время чтения|оқу уақыты|okuma süresi|阅读时间|lesezeit|lesedauer|"
    r"temps de lecture|tiempo de lectura|tempo de leitura|tempo di lettura)\s*:?\s*\d",
    r"^\d+\s*(min|mins|minute|minutes|мин|минут|dk|dakika|分钟|minuten|minutos|minuti)\.?\s*(read|чтения|okuma|"
    r"阅读|lesezeit|de lecture|de lectura|de leitura|di lettura)$",
)


# Ads and affiliate disclosures, cookie notices, comment prompts, widget messages, leaked markup.
ADS = _rx(
    r"^(advertisement|advertising|ad|sponsored( content)?|реклама|рекламa|на правах рекламы|"
    r"партнерский материал|спонсорский материал|жарнама|reklam|sponsorlu içerik|广告|推广|reklama|"
    r"anzeige|werbung|publicité|publicidad|patrocinado|pubblicità|publicidade|advertentie|iklan|quảng cáo|広告|"
    r"광고|إعلان|تبلیغات|विज्ञापन|publicitate|hirdetés|διαφήμιση|פרסומת|annons|annonse|annonce|mainos)\.?$",
)
AFFILIATE = _rx(
    r"\b(may|might|could|will) (get|earn|receive) (a share|a commission|commission|compensation|a small commission)\b",
    r"\bwe (may )?(earn|receive) (a )?(commission|affiliate)", r"\b(may|might|could|will) earn (us|me) (a )?(small )?commission\b", r"\baffiliate (link|links|commission)s?\b",
    r"\bprices are subject to change\b",
)
COOKIES = _rx(
    r"(cookie|cookies|куки|çerez|kukilar).*(use|accept|agree|consent|используем|использует|согласие|"
    r"соглашаетесь|kullan|kabul|同意|使用|verwenden|akzeptieren|utilis|acepta|utiliza)",
    r"(we use|используем|использует|kullanıyoruz|kullanılmaktadır|使用|verwenden|utilisons|utilizamos)"
    r".*(cookie|cookies|куки|çerez)",
)
COMMENTS = _rx(
    r"^(leave|post|add|write|submit) (a|your) (comment|reply)\b", r"^be the first to comment\b",
    r"^join the (conversation|discussion)\b", r"\btell us what you think\b",
    r"\bcomments? (are|will be|is) (moderated|closed|reviewed|pre-?moderated)\b",
    r"^(comments?|kommentare|commentaires|comentários|comentarios|commenti|комментарии|пікірлер|yorumlar|"
    r"izohlar|评论|留言|коментарі|komentarze|reacties|komentar|bình luận|コメント|댓글|التعليقات|نظرات|टिप्पणियाँ|"
    r"komentáře|comentarii|hozzászólások|σχόλια|תגובות|kommentarer|kommentit|коментари)\s*(\(\d+\))?\s*:?$",
    r"(comentários|comentarios).*(não serão|no serán|moderador|aprovados|aprobados)",
    r"комментари\w*.*(модерац|модератор|публикуются после)", r"yorum\w*.*(onay|moderat|yayınlanmayacaktır)",
    r"kommentar\w*.*(moderiert|geprüft|freigeschaltet)", r"commentaires?.*(modérés|modération)",
    r"commenti.*(moderati|moderazione)", r"评论.*(审核)",
)
WIDGET_MESSAGE = _rx(
    r"^an error (has )?occurred,? please try again( later)?\.?$", r"^this article has been sent to\b",
    r"^(like|enjoy(ed)?|love) this (story|article|post)\?.{0,40}\bshare\b",
    r"^please (enable|turn on) javascript\b", r"^your browser does not support\b",
)
# WordPress-style shortcodes that leaked into the text: "[button link=...]Send us[/button]".
SHORTCODE = re.compile(r"\[/[a-z_]+\]|^\[[a-z_]+(\s+[a-z_]+\s*=\s*\S+)+\s*\]", re.IGNORECASE)


# Related links and tags: 'read also' headings and lines, tagged links, tag lists.
RELATED = _rx(
    r"^(read also|also read|read more|read next|more to read|related|related (news|articles|stories|"
    r"posts|content|coverage)|see also|more news|more stories|latest news|latest|most read|most popular|"
    r"top stories|recommended|you may also like|you might also like|editor'?s picks|trending|"
    r"читайте также|читайте по теме|читайте еще|читайте ещё|смотрите также|по теме|похожие новости|"
    r"похожие материалы|другие новости|последние новости|главные новости|новости по теме|популярное|"
    r"самое читаемое|оқи отырыңыз|тағы оқыңыз|ұқсас жаңалықтар|соңғы жаңалықтар|тақырып бойынша|"
    r"ilginizi çekebilir|bunlar da ilginizi çekebilir|ilgili haberler|tüm haberler|diğer haberler|"
    r"son dakika|en çok okunanlar|benzer haberler|相关新闻|相关阅读|延伸阅读|推荐阅读|热门新闻|更多新闻|"
    r"相关报道|shuningdek o'?qing|shuningdek o‘qing|ko'?proq o'?qing|mavzuga oid|so'?nggi yangiliklar|"
    r"lesen sie auch|mehr zum thema|auch interessant|weitere artikel|das könnte sie auch interessieren|"
    r"lire aussi|à lire aussi|a lire aussi|sur le même sujet|lire la suite|dans la même rubrique|"
    r"lee también|te puede interesar|noticias relacionadas|más noticias|relacionado|don['’]?t miss|do not miss|"
    r"see more|more on this( story)?|more from .{1,30}|leggi anche|articoli correlati|notizie correlate|"
    r"leia também|veja também|leia mais|veja mais|notícias relacionadas|matérias relacionadas|up next|"
    r"most read in .{1,30}|related (posts?|stories|articles|links|reading)|"
    r"i più letti|potrebbe interessarti|ti potrebbe interessare|altre notizie|mais lidas|"
    r"читайте також|дивіться також|по темі|новини за темою|останні новини|схожі новини|інші новини|"
    r"czytaj (także|też|również)|przeczytaj (także|też|również)|zobacz (także|też|również)|polecamy|"
    r"najczęściej czytane|powiązane artykuły|lees ook|meer nieuws|gerelateerde artikelen|meest gelezen|"
    r"baca juga|berita terkait|artikel terkait|terpopuler|berita lainnya|lihat juga|xem thêm|tin liên quan|"
    r"bài liên quan|đọc thêm|tin mới nhất|đọc nhiều nhất|có thể bạn quan tâm|関連記事|関連ニュース|あわせて読みたい|"
    r"おすすめ記事|人気記事|最新記事|관련 ?기사|관련 ?뉴스|많이 본 뉴스|인기 ?기사|추천 ?기사|اقرأ أيضا|اقرأ أيضاً|"
    r"أخبار ذات صلة|مقالات ذات صلة|الأكثر قراءة|آخر الأخبار|شاهد أيضا|بیشتر بخوانید|مطالب مرتبط|اخبار مرتبط|"
    r"پربازدیدترین|آخرین اخبار|यह भी पढ़ें|ये भी पढ़ें|संबंधित खबरें|ताज़ा खबरें|čtěte také|přečtěte si také|"
    r"související články|nejčtenější|citește și|citeste si|articole similare|cele mai citite|kapcsolódó cikkek|"
    r"legolvasottabb|διαβάστε επίσης|δείτε επίσης|σχετικά άρθρα|σχετικά θέματα|קראו גם|כתבות נוספות|"
    r"läs också|läs även|mest lästa|læs også|les også|mest læste|mest lest|lue myös|luetuimmat|"
    r"прочетете още|още по темата|най-четени|pročitajte (i|još)|najčitanije|povezane vijesti|oxşar xəbərlər|"
    r"digər xəbərlər|ən çox oxunan)\s*[:.!»]*$",
)
RELATED_INLINE = _rx(
    r"^[(\[]?(read also|also read|read more|see also|see more|related|related (post|story|article|link)s?|"
    r"leggi anche( su)?|leia também|veja também|читайте также|читайте по теме|смотрите также|"
    r"тағы оқыңыз|ilginizi çekebilir|ayrıca okuyun|相关阅读|延伸阅读|shuningdek o'?qing|lesen sie auch|"
    r"lire aussi|à lire aussi|lee también|you (may|might) also like|читайте також|czytaj (także|też|również)|"
    r"przeczytaj (także|też|również)|zobacz (także|też)|lees ook|baca juga|xem thêm|関連記事|관련 ?기사|اقرأ أيضا|"
    r"اقرأ أيضاً|بیشتر بخوانید|यह भी पढ़ें|ये भी पढ़ें|čtěte také|citește și|διαβάστε επίσης|קראו גם|läs också|"
    r"læs også|les også|lue myös|прочетете още|pročitajte (i|još))\s*[:：>»—-]\s*\S",
    r"^also on [\w.-]+\.[a-z]{2,}\s+\S",  # "Also on rt.com <headline>"
    r"^also\s*:\s*(see|read|watch|listen)\b",
)
# A linked headline tagged with its kind in brackets ("... [VIDEO]", "[INSIGHT]").
TAGGED_LINK = re.compile(
    r"\S.*(\[[A-Z][A-Z ]{2,14}\]|\[(?i:video|videos|photos?|pics|gallery|watch|podcast|audio|live)\])\s*\|?$")
TAGS_HEAD = _rx(
    r"^(tags|tagged|tagged with|topics|теги|тэги|метки|тегтер|etiketler|anahtar kelimeler|标签|关键词|"
    r"teglar|schlagwörter|schlagworte|stichwörter|étiquettes|mots-clés|etiquetas|temas|tag|tagi|từ khóa|タグ|キーワード|"
    r"태그|키워드|الكلمات المفتاحية|وسوم|برچسب‌ها|برچسب ها|کلید واژه|टैग|štítky|etichete|címkék|ετικέτες|תגיות|"
    r"taggar|avainsanat|етикети|oznake)\s*:?$",
)
TAGS_INLINE = _rx(
    r"^(tags|tagged( with)?|filed under|posted in|topics|теги|тэги|метки|тегтер|etiketler|anahtar kelimeler|标签|关键词|teglar|"
    r"schlagwörter|stichwörter|étiquettes|mots-clés|etiquetas|tag|tagi|từ khóa|タグ|キーワード|태그|키워드|"
    r"الكلمات المفتاحية|وسوم|برچسب‌ها|برچسب ها|کلید واژه|टैग|štítky|etichete|címkék|ετικέτες|תגיות|taggar|"
    r"avainsanat|етикети|oznake)\s*[:：]\s*\S",
)


# Widgets: exchange-rate tickers and weather.
EXCHANGE_HEAD = _rx(
    r"^(exchange rates?|currency rates?|currency|курсы? валют|курс валют|валюта бағамы|валюта бағамдары|"
    r"döviz kurları|döviz|piyasalar|汇率|外汇牌价|valyuta kurslari|wechselkurse|devisen|taux de change|"
    r"tipo de cambio|cotizaciones|markets|рынки|биржа|stocks)\s*:?$",
)
CURRENCY = re.compile(
    r"\b(USD|EUR|RUB|KZT|CNY|GBP|JPY|TRY|UZS|KGS|CHF|BYN|UAH|AZN|GEL|TJS|AMD|TMT|BTC|ETH|"
    r"доллар|евро|рубль|юань|тенге|dolar|euro|avro|sterlin|dollar|yuan|yen|lira|sum|so'm|"
    r"brent|gold|золото|нефть|altın|petrol)\b|[$€₽₸¥£₺]",
    re.IGNORECASE,
)
UPDOWN = re.compile(
    r"(course up|course down|▲|▼|↑|↓|⬆|⬇|\bup\b|\bdown\b|рост|падение|снижение|yükseliş|düşüş|上涨|下跌)",
    re.IGNORECASE,
)
WEATHER_HEAD = _rx(r"^(weather|погода|ауа райы|hava durumu|hava|天气|天气预报|ob-havo|wetter|météo|tiempo|el tiempo)\s*:?$")
TEMPERATURE = re.compile(r"(?<![\d.,])[+\-−]?\d{1,2}\s*°\s*[CF]?|\b\d{1,2}\s*(℃|°)|градус", re.IGNORECASE)
