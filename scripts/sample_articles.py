"""Article texts of the bundled sample news site (fictional outlets, events
and people; written for newsmill). Used by make_sample_site.py."""

from __future__ import annotations

# A wire story (silk-road-wire) republished with light edits by steppe-herald.
WIRE_ORIGINAL = [
    "The Caspian port of Kuryk on Tuesday received the first container ferry of a new weekly line linking Kazakhstan with Azerbaijan, port officials said, a route that shippers hope will shorten the journey of Chinese goods bound for Europe by several days.",
    "The ferry Tolkyn, carrying 210 containers of auto parts, solar panels and textiles, completed the crossing from Alat in 19 hours. Port director Samal Orynbekova said the terminal could now handle four such vessels a week after a dredging programme finished in September.",
    "Freight forwarders have long complained that bottlenecks on the Caspian crossing add cost and uncertainty to the Middle Corridor. Rail operators on both shores agreed in the spring to publish a single timetable so that trains arrive within hours of each ferry.",
    "Analysts at the Almaty Logistics Institute estimate that container traffic through Kuryk could triple by 2027 if tariffs stay competitive. They caution, however, that low water levels in the northern Caspian remain a risk for heavier vessels during late summer.",
    "The line is operated by a joint venture of Kazakh and Azerbaijani shipping companies, which plans to add a second ferry next year. Customs officers on both sides have introduced electronic pre-clearance, cutting inspection time at the port to under two hours.",
]
WIRE_COPY = [
    "The Caspian port of Kuryk on Tuesday welcomed the first container ferry of a new weekly line linking Kazakhstan with Azerbaijan, port officials said, a route that shippers hope will shorten the journey of Chinese goods bound for Europe by several days.",
    "The ferry Tolkyn, carrying 210 containers of auto parts, solar panels and textiles, completed the crossing from Alat in 19 hours. Port director Samal Orynbekova said the terminal could now handle four such vessels a week after a dredging programme finished in September.",
    "Freight forwarders have long complained that bottlenecks on the Caspian crossing add cost and uncertainty to the Middle Corridor. Rail operators on both shores agreed in the spring to publish a single timetable so that trains arrive within hours of each ferry.",
    "Analysts at the Almaty Logistics Institute estimate that container traffic through Kuryk could triple by 2027 if tariffs stay competitive. They caution, however, that low water levels in the northern Caspian remain a serious risk for heavier vessels during late summer.",
    "The line is run by a joint venture of Kazakh and Azerbaijani shipping companies, which plans to add a second ferry next year. Customs officers on both sides have introduced electronic pre-clearance, cutting inspection time at the port to under two hours.",
]

# A syndicated paragraph shared by two otherwise different English articles.
SHARED_EN = (
    "Earlier, the Ministry of Digital Development reported that more than 1,200 rural schools had been "
    "connected to high-speed internet this year under the national broadband programme, with a further "
    "800 schools scheduled for connection before the end of next spring."
)
# A background paragraph shared by two otherwise different Russian articles.
SHARED_RU = (
    "Напомним, в начале года правительство утвердило программу модернизации коммунальных сетей до 2030 "
    "года, на которую планируется направить более 2,5 триллиона тенге из республиканского и местных "
    "бюджетов, а также средства частных инвесторов."
)

ARTICLES: list[dict[str, object]] = [
    # ---------------- steppe-herald (English, RSS 2.0) ----------------
    {"outlet": "steppe-herald", "slug": "2025/06/10/ferry-line-opens-kuryk", "lang": "en",
     "title": "New ferry line to Azerbaijan opens at Kuryk port", "date": "2025-06-10T15:40:00+05:00",
     "author": "Staff reporter", "paragraphs": WIRE_COPY, "wire_copy": True},
    {"outlet": "steppe-herald", "slug": "2025/06/09/tenge-strengthens", "lang": "en",
     "title": "Tenge strengthens as oil prices recover", "date": "2025-06-09T11:05:00+05:00",
     "author": "Dana Serikova", "exchange_prose": True, "paragraphs": [
        "The tenge strengthened for a third day on Monday, trading at 504.61 per US dollar at the close of the Kazakhstan Stock Exchange, compared with 509.20 a week earlier, as oil prices recovered and exporters sold foreign currency to pay quarterly taxes.",
        "The euro fell to 587.93 tenge and the rouble to 6.63 tenge, according to the exchange. Dealers said demand for dollars from importers remained modest ahead of the summer holiday season, while the central bank did not intervene in the market.",
        "Economists at Halyk Research expect the national currency to stay in a range between 500 and 515 per dollar through July, provided that Brent crude holds above 70 dollars a barrel. A sharper fall in oil prices would put renewed pressure on the tenge, they wrote in a note to clients.",
        "The National Bank will announce its next decision on the base rate on 18 July. Most analysts polled by The Steppe Herald expect the rate to remain at 15.25 percent, citing inflation that has slowed only gradually since the start of the year.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/08/rural-schools-robotics", "lang": "en",
     "title": "Village schools in Abai region launch robotics clubs", "date": "2025-06-08T09:30:00+05:00",
     "author": "Aigerim Tulegenova", "paragraphs": [
        "Pupils in eleven village schools of the Abai region will be able to join robotics clubs from September, after a local foundation donated construction kits and trained twenty-two teachers during a two-week course in Semey.",
        "Teacher Marat Zhunusov from the village of Kokpekty said his pupils had so far learned programming only from textbooks. Now they will build small rovers and compete in a regional tournament planned for November, he said.",
        SHARED_EN,
        "The foundation says it will measure the results by tracking how many club members choose engineering subjects at school leaving exams, and plans to extend the programme to the neighbouring East Kazakhstan region if the first year goes well.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/07/almaty-metro-extension", "lang": "en",
     "title": "Almaty metro extension to open two new stations in autumn", "date": "2025-06-07T17:20:00+05:00",
     "author": "Ruslan Akhmetov", "paragraphs": [
        "Two new stations of the Almaty metro, Kalkaman and Saryarka, will open to passengers in October, the city administration said on Saturday, extending the line westwards by 3.2 kilometres into districts that have grown rapidly over the past decade.",
        "Construction crews are finishing the platforms and ventilation shafts, while test trains have been running at night since May. Officials said the extension would cut travel times from the western suburbs to the city centre by about twenty minutes.",
        "Residents of the Nauryzbay district, many of whom spend more than an hour commuting by bus, welcomed the news but asked the city to add feeder bus routes and park-and-ride lots near the new stations before winter.",
        "The metro currently carries about 70,000 passengers a day. The city expects the figure to rise to 100,000 once the extension opens and fares are integrated with the bus network through a single electronic card.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/06/apple-harvest-forecast", "lang": "en",
     "title": "Farmers in Zhetysu expect record apple harvest", "date": "2025-06-06T08:15:00+05:00",
     "author": "Gulnara Abenova", "paragraphs": [
        "Orchard owners in the Zhetysu region expect a record apple harvest this year after a mild spring without late frosts, the regional agriculture department said, forecasting about 180,000 tonnes compared with 140,000 tonnes last season.",
        "Many farms planted intensive orchards on dwarf rootstock five years ago with subsidised loans, and those trees are now reaching full production. Farmers say the main challenge will be storage, as the region has cold stores for only half of the expected crop.",
        "The department is negotiating with investors to build two new storage facilities near Taldykorgan and Zharkent. Exporters are also looking at markets in the Gulf, where Kazakh apples were sold for the first time last winter.",
        "Prices for the famous Aport variety, once the symbol of Almaty, remain high because only a few old orchards still grow it. Breeders at the regional research station are propagating saplings to restore the variety on a larger scale.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/05/shymkent-water-pipeline", "lang": "en",
     "title": "Shymkent completes new water pipeline for southern districts", "date": "2025-06-05T13:00:00+05:00",
     "author": "Staff reporter", "paragraphs": [
        "Shymkent has completed a 27-kilometre water pipeline that will supply drinking water around the clock to about 90,000 residents of the city's southern districts, who until now received water on a schedule during the summer months.",
        "The pipeline draws water from a new well field near the Badam river and includes two pumping stations and a reservoir of 20,000 cubic metres. Engineers said the system had passed pressure tests and would be connected to household networks in stages.",
        "City officials said the project cost 19 billion tenge and was financed from the national budget. They added that a second stage, covering the eastern suburbs, would begin next year once design work is completed.",
        "Residents of the Tassay neighbourhood said they had bought water in canisters for years. Local council member Erlan Kasymov urged the utility to publish a clear timetable for each street so that families know when the new supply will reach them.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/04/wind-farm-zhanatas", "lang": "en",
     "title": "Second wind farm starts operating near Zhanatas", "date": "2025-06-04T10:45:00+05:00",
     "author": "Ruslan Akhmetov", "paragraphs": [
        "A second wind farm near the town of Zhanatas in the Zhambyl region has started supplying electricity to the national grid, adding 100 megawatts of capacity, the energy ministry said on Wednesday.",
        "The project includes forty turbines built on a plateau where strong winds blow for most of the year. The operator said it had signed a fifteen-year contract to sell power at a fixed price determined at an auction held three years ago.",
        "Renewables now account for about seven percent of Kazakhstan's electricity output. The government aims to raise the share to fifteen percent by 2030, although grid operators warn that more storage and flexible capacity will be needed to balance variable generation.",
        "Local authorities said the construction created about 300 temporary jobs and that forty technicians from the town have been trained to maintain the turbines, an important source of income in a district that depended for decades on phosphate mining.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/03/library-digitisation", "lang": "en",
     "title": "National Library digitises rare manuscripts", "date": "2025-06-03T12:10:00+05:00",
     "author": "Aigerim Tulegenova", "paragraphs": [
        "The National Library in Astana has digitised more than 4,000 pages of rare manuscripts and early printed books, making them freely available to researchers through an online catalogue launched on Tuesday.",
        "The collection includes eighteenth-century legal documents, letters of Kazakh poets and a set of maps of the Syr Darya valley. Conservators spent two years cleaning and stabilising the fragile paper before it could be photographed.",
        "Librarian Saule Dzhakupova said scholars from Turkey, Japan and Germany had already requested access to several items. The library plans to add transcriptions and translations so that a wider audience can read the documents.",
        "The project was carried out together with a university in Kazan, which provided scanning equipment and trained staff. The partners intend to continue with a second batch of about 6,000 pages over the next eighteen months.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/02/border-crossing-hours", "lang": "en",
     "title": "Khorgos border crossing extends opening hours", "date": "2025-06-02T16:30:00+05:00",
     "author": "Gulnara Abenova", "paragraphs": [
        "The Khorgos border crossing between Kazakhstan and China will stay open until midnight during the summer season, the border service announced, extending working hours by four hours to reduce queues of trucks that have stretched for several kilometres.",
        "Drivers have reported waiting up to three days to cross in recent weeks as trade volumes grew. The border service said additional inspection lanes and scanning equipment would be installed by August to speed up clearance.",
        "The crossing is also used by shoppers travelling to the international trade centre that straddles the border, where visitors can stay for up to thirty days without a visa. Officials expect more than a million visits this year.",
        "Logistics companies welcomed the decision but said the rail terminal at Altynkol also needed more capacity, as containers often wait for days to be transferred between the Chinese and Kazakh gauges.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/06/01/chess-tournament-astana", "lang": "en",
     "title": "Young players dominate Astana rapid chess tournament", "date": "2025-06-01T19:00:00+05:00",
     "author": "Daniyar Bekov", "paragraphs": [
        "Sixteen-year-old Arman Nurlanov won the Astana open rapid chess tournament on Sunday, finishing ahead of three grandmasters with eight points from nine games in a field of more than 200 players from twelve countries.",
        "Nurlanov, who trains at a chess school in Karaganda, said he had prepared for months for the event and was surprised to beat the top seed in the final round with the black pieces after a long endgame.",
        "The women's prize went to Madina Seitkali, 19, who drew with two grandmasters. Organisers said the number of juniors taking part had doubled since last year, reflecting the popularity of chess lessons in schools.",
        "The chess federation plans to host an international classical tournament in the autumn and hopes that strong results by juniors will help the country qualify for the team event at the next Olympiad.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/05/31/heat-wave-warning", "lang": "en",
     "title": "Forecasters warn of early heat wave in the south", "date": "2025-05-31T07:50:00+05:00",
     "author": "Staff reporter", "paragraphs": [
        "Weather forecasters have warned of an early heat wave in the south of the country, with daytime temperatures expected to reach 42 degrees Celsius in Turkestan and Kyzylorda regions from Tuesday until the end of the week.",
        "The meteorological service advised residents to avoid working outdoors in the afternoon, drink plenty of water and check on elderly neighbours. Hospitals in Shymkent said they had prepared additional beds for patients with heatstroke.",
        "Farmers in the Kyzylorda region, where rice is grown on irrigated fields along the Syr Darya, said the heat would increase demand for water at a time when the river level is already lower than usual.",
        "Forecasters expect temperatures to fall by several degrees next week as a cold front moves in from the north, bringing thunderstorms and strong winds to central and eastern regions.",
    ]},
    {"outlet": "steppe-herald", "slug": "2025/05/30/museum-night", "lang": "en",
     "title": "Museum night draws record crowds in Karaganda", "date": "2025-05-30T22:10:00+05:00",
     "author": "Daniyar Bekov", "paragraphs": [
        "More than 15,000 people visited museums and galleries in Karaganda during the annual museum night on Friday, a record for the city, as institutions stayed open until two in the morning with concerts, tours and workshops.",
        "The regional history museum opened its storage rooms for the first time, showing miners' tools, household objects of the 1930s and a collection of minerals that had not been exhibited for decades. Visitors queued for more than an hour to get in.",
        "At the art gallery, students from the local music college played jazz among paintings by regional artists, while children built models of the city's historic buildings from cardboard under the guidance of architects.",
        "The city administration said the event showed a strong demand for culture and promised to keep some museums open late on Fridays throughout the summer.",
    ]},
    # ---------------- silk-road-wire (English, RSS 2.0) ----------------
    {"outlet": "silk-road-wire", "slug": "news/20250610-kuryk-ferry-line", "lang": "en",
     "title": "Kuryk port receives first ferry of new Caspian line", "date": "2025-06-10T09:00:00+00:00",
     "author": "Silk Road Wire", "paragraphs": WIRE_ORIGINAL, "wire_original": True},
    {"outlet": "silk-road-wire", "slug": "news/20250609-tashkent-tech-park", "lang": "en",
     "title": "Tashkent tech park signs up fifty start-ups", "date": "2025-06-09T10:30:00+00:00",
     "author": "Nodira Karimova", "paragraphs": [
        "A technology park opened in Tashkent last year has signed up fifty start-ups, including developers of agricultural drones and online education platforms, the park's management said, as Uzbekistan tries to build an export-oriented IT sector.",
        "Companies registered in the park pay reduced taxes and can hire foreign specialists under simplified rules. The management said its residents exported software and services worth 40 million dollars in the first five months of the year.",
        "Founders interviewed by Silk Road Wire said access to venture capital remained the main obstacle. Most of the start-ups rely on grants and loans from relatives, while only a handful have attracted investment from funds in Kazakhstan and the Gulf.",
        "The government plans to open similar parks in Samarkand and Namangan and to offer scholarships for students of computer science at foreign universities who agree to work in the country for three years after graduation.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250608-bishkek-air-quality", "lang": "en",
     "title": "Bishkek switches school buses to gas to cut smog", "date": "2025-06-08T08:00:00+00:00",
     "author": "Aibek Toktogulov", "paragraphs": [
        "Bishkek will replace all diesel school buses with vehicles running on compressed natural gas by the end of next year, the mayor's office said, as part of a plan to reduce the winter smog that regularly makes the city one of the most polluted in the region.",
        "The city has ordered 120 new buses and will convert another 60 older vehicles. Officials said the programme would be financed by a loan from a regional development bank and by savings on fuel, which is cheaper than diesel.",
        SHARED_EN,
        "Environmental groups welcomed the decision but said that household coal heating in the suburbs remained the largest source of pollution, and urged the government to speed up connecting private homes to the gas network.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250607-dushanbe-hydropower", "lang": "en",
     "title": "Tajikistan commissions third unit at Rogun dam", "date": "2025-06-07T12:00:00+00:00",
     "author": "Silk Road Wire", "paragraphs": [
        "Tajikistan has commissioned the third turbine of the Rogun hydropower plant, raising the station's installed capacity to 1,800 megawatts, the energy ministry said on Saturday at a ceremony attended by foreign ambassadors.",
        "The dam on the Vakhsh river is planned to become the tallest in the world when completed, with six turbines and a total capacity of 3,780 megawatts. The government hopes to export electricity to Afghanistan and Pakistan through a new transmission line.",
        "International lenders have financed part of the project after an environmental and social assessment. Downstream countries have raised concerns in the past about water flows, but officials say the reservoir will be filled gradually according to agreed schedules.",
        "The ministry said the plant already covers most of the country's winter electricity demand, ending the power rationing that affected rural areas for many years.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250606-ashgabat-cotton", "lang": "en",
     "title": "Turkmen textile mills seek new export markets", "date": "2025-06-06T07:45:00+00:00",
     "author": "Silk Road Wire", "paragraphs": [
        "Textile mills in Turkmenistan are looking for new export markets for cotton yarn and denim as demand in Europe slows, industry officials said at a trade fair in Ashgabat attended by buyers from Turkey, Russia and China.",
        "The country has built more than twenty modern spinning and weaving factories over the past fifteen years to process its cotton at home instead of exporting raw fibre. Officials said the mills now process about half of the annual harvest.",
        "Buyers at the fair said quality had improved but delivery times remained long because of limited transport links. Several companies signed preliminary contracts for deliveries of towels and bed linen to retailers in Istanbul.",
        "The government plans to certify cotton farms under international sustainability standards, a step that European brands increasingly require from suppliers.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250605-caspian-seals", "lang": "en",
     "title": "Scientists count Caspian seals from the air", "date": "2025-06-05T11:15:00+00:00",
     "author": "Aibek Toktogulov", "paragraphs": [
        "Scientists from Kazakhstan and Russia have completed an aerial survey of Caspian seals on the winter ice of the northern Caspian, counting about 140,000 pups, a number they say shows the population has stabilised after decades of decline.",
        "The Caspian seal, the only marine mammal of the landlocked sea, is listed as endangered. Researchers used light aircraft with high-resolution cameras and are training software to recognise seals on thousands of images.",
        "The scientists warned that a shrinking ice season and falling sea levels could threaten breeding grounds. They also called for stricter controls on fishing nets, in which hundreds of seals drown each year.",
        "The survey will be repeated next winter, and the researchers hope to add satellite tags to track the animals' movements between feeding and breeding areas.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250604-baku-book-fair", "lang": "en",
     "title": "Baku book fair features Central Asian authors", "date": "2025-06-04T14:20:00+00:00",
     "author": "Leyla Huseynova", "paragraphs": [
        "An international book fair opened in Baku on Wednesday with a special programme of Central Asian literature, featuring readings by novelists from Kazakhstan, Kyrgyzstan and Uzbekistan and new translations into Azerbaijani.",
        "Publishers said interest in translated fiction from neighbouring countries had grown as readers looked for stories about shared history. A collection of Kyrgyz short stories sold out on the first day.",
        "Organisers invited young translators to a workshop where experienced colleagues discussed how to render proverbs and dialogue. Several publishers agreed to co-finance translations of classic novels over the next two years.",
        "The fair runs until Sunday and is expected to draw more than 50,000 visitors, with free entry for students and teachers.",
    ]},
    {"outlet": "silk-road-wire", "slug": "news/20250603-samarkand-tourism", "lang": "en",
     "title": "Samarkand hotels report strong spring season", "date": "2025-06-03T09:40:00+00:00",
     "author": "Nodira Karimova", "paragraphs": [
        "Hotels in Samarkand reported occupancy of more than 85 percent in April and May, the strongest spring season on record, as visa-free travel and new direct flights brought tourists from Europe, India and East Asia.",
        "The city has added about 3,000 hotel rooms in three years, many of them in a new tourist centre with a congress hall and a reconstructed old quarter. Tour operators said demand for guided tours of the Registan ensemble exceeded the number of licensed guides.",
        "Local residents have mixed feelings about the boom. Some welcome new jobs in restaurants and shops, while others complain about rising rents in the historic neighbourhoods near the main monuments.",
        "The tourism committee plans to train 500 more guides this year and to introduce electronic tickets for the main sites to reduce queues during the peak autumn season.",
    ]},
    {"outlet": "silk-road-wire", "slug": "video/20250602-festival-highlights", "lang": "en",
     "title": "Video: festival highlights", "date": "2025-06-02T18:00:00+00:00",
     "author": "Silk Road Wire", "video_only": True, "paragraphs": ["Watch the highlights."]},
    # ---------------- novosti-stepi (Russian, Atom + sitemap) ----------------
    {"outlet": "novosti-stepi", "slug": "2025/06/10/kommunalnye-seti-pavlodar", "lang": "ru",
     "title": "В Павлодаре заменят 40 километров теплосетей", "date": "2025-06-10T10:00:00+05:00",
     "author": "Ирина Ковалёва", "paragraphs": [
        "В Павлодаре этим летом заменят около 40 километров изношенных тепловых сетей, сообщили в городском акимате. Работы начнутся после окончания отопительного сезона и должны завершиться до 15 сентября.",
        "По словам руководителя отдела энергетики Сергея Михайлова, износ части магистралей превышает 80 процентов, из-за чего прошлой зимой в нескольких микрорайонах случались аварии и жители оставались без тепла на несколько часов.",
        SHARED_RU,
        "Жителей просят с пониманием отнестись к временным перекрытиям улиц. Схемы объезда будут опубликованы на сайте акимата и в социальных сетях за три дня до начала работ на каждом участке.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/09/vodoprovod-aktobe", "lang": "ru",
     "title": "В Актобе построят новую станцию водоочистки", "date": "2025-06-09T12:30:00+05:00",
     "author": "Асель Нурпеисова", "paragraphs": [
        "В Актобе началось строительство новой станции очистки питьевой воды мощностью 100 тысяч кубометров в сутки. Объект должен обеспечить стабильное водоснабжение быстро растущих районов на западе города.",
        "Подрядчик обещает завершить работы к концу следующего года. Стоимость проекта оценивается в 24 миллиарда тенге, средства выделены из республиканского бюджета в рамках программы развития регионов.",
        SHARED_RU,
        "Жители микрорайона Нур Актобе, где летом вода нередко подаётся по графику, надеются, что новая станция решит проблему. Депутаты городского маслихата пообещали контролировать сроки и качество работ.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/08/festival-kino-almaty", "lang": "ru",
     "title": "В Алматы открылся фестиваль молодого кино", "date": "2025-06-08T19:15:00+05:00",
     "author": "Дмитрий Ли", "paragraphs": [
        "В Алматы открылся международный фестиваль молодого кино, в программу которого вошли более 60 короткометражных фильмов из двенадцати стран. Показы проходят в трёх кинотеатрах и на открытой площадке в парке.",
        "Председатель жюри, режиссёр Айжан Касымова, отметила, что в этом году заметно выросло число работ, снятых на мобильные телефоны. По её словам, доступная техника позволяет молодым авторам смелее экспериментировать с формой.",
        "Особое внимание зрителей привлёк документальный фильм о пастухах Мангистау, снятый студентами киноакадемии. После показа авторы рассказали, что провели в экспедиции почти два месяца.",
        "Фестиваль продлится до воскресенья. Победители получат гранты на съёмку полнометражного дебюта и возможность пройти стажировку на одной из крупных киностудий.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/07/urozhai-pshenitsy", "lang": "ru",
     "title": "Аграрии Костанайской области ожидают хороший урожай пшеницы", "date": "2025-06-07T08:40:00+05:00",
     "author": "Ирина Ковалёва", "paragraphs": [
        "Аграрии Костанайской области завершили весенний сев и ожидают хороший урожай пшеницы благодаря обильным осадкам в мае. По данным управления сельского хозяйства, зерновыми засеяно более 4 миллионов гектаров.",
        "Фермер из Карабалыкского района Николай Петренко рассказал, что впервые за несколько лет почва накопила достаточно влаги. Однако, по его словам, высокие цены на топливо и удобрения заметно снижают прибыль хозяйств.",
        "Специалисты советуют аграриям внимательно следить за появлением вредителей, в частности клопа-черепашки, численность которого в прошлом году оказалась выше обычной. На обработку полей выделены субсидии.",
        "Уборочная кампания начнётся в конце августа. Элеваторы области уже проводят ремонт сушильного оборудования, чтобы принять зерно без задержек.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/06/novaya-bolnitsa-semey", "lang": "ru",
     "title": "В Семее открыли многопрофильную больницу", "date": "2025-06-06T11:20:00+05:00",
     "author": "Асель Нурпеисова", "paragraphs": [
        "В Семее открылась новая многопрофильная больница на 300 коек с современным диагностическим центром, операционным блоком и отделением реабилитации. Строительство заняло почти три года.",
        "Главный врач Ербол Садыков сообщил, что в больнице будут работать более 900 сотрудников, в том числе 150 врачей. Часть специалистов приехала из других регионов, им предоставлено служебное жильё.",
        "Пациенты смогут пройти компьютерную и магнитно-резонансную томографию без направления в областной центр. Ранее жителям приходилось ждать обследования по несколько недель.",
        "Старое здание городской больницы, построенное в 1960-х годах, планируется передать под поликлинику и центр первичной медицинской помощи после капитального ремонта.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/05/avtobusy-karaganda", "lang": "ru",
     "title": "Караганда получит сто новых автобусов", "date": "2025-06-05T09:10:00+05:00",
     "author": "Дмитрий Ли", "paragraphs": [
        "Караганда до конца года получит сто новых автобусов, работающих на газе, сообщили в управлении пассажирского транспорта. Первые двадцать машин выйдут на линии уже в июле.",
        "По словам представителей управления, средний возраст городского автопарка сейчас превышает двенадцать лет, а многие маршруты обслуживаются с большими интервалами. Новые автобусы оборудованы пандусами и системой оплаты картой.",
        "Одновременно город пересматривает маршрутную сеть. Жители смогут до конца месяца оставить предложения на сайте акимата, после чего схему обсудят на общественных слушаниях.",
        "Стоимость проезда, по заверению чиновников, в этом году не изменится. Перевозчики получат субсидии на обслуживание социально значимых маршрутов.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/04/shkolnye-olimpiady", "lang": "ru",
     "title": "Школьники из Уральска победили на олимпиаде по химии", "date": "2025-06-04T15:00:00+05:00",
     "author": "Ирина Ковалёва", "paragraphs": [
        "Трое учеников специализированной школы из Уральска завоевали золотые медали на международной олимпиаде по химии для старшеклассников, которая проходила в Ташкенте. Всего в соревнованиях участвовали команды из двадцати стран.",
        "Учитель химии Галина Степанова рассказала, что ребята готовились больше года, решали задачи прошлых лет и занимались в лаборатории местного университета по вечерам и в выходные.",
        "Победители получили право поступить в ведущие вузы страны без вступительных испытаний. Один из них, Тимур Ахмедов, признался, что мечтает заниматься разработкой новых лекарств.",
        "В областном управлении образования сообщили, что школа получит дополнительное финансирование на закупку лабораторного оборудования.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/03/ozero-balkhash", "lang": "ru",
     "title": "Учёные оценили уровень воды в Балхаше", "date": "2025-06-03T13:45:00+05:00",
     "author": "Дмитрий Ли", "paragraphs": [
        "Уровень воды в озере Балхаш весной поднялся на 18 сантиметров благодаря многоводному паводку на реке Или, сообщили учёные Института географии. Это позволило частично восполнить потери последних засушливых лет.",
        "Исследователи предупреждают, что улучшение может оказаться временным. По их данным, забор воды на орошение в верховьях реки продолжает расти, а испарение в жаркие месяцы увеличивается.",
        "Экологи предлагают ввести более строгий учёт водопользования и модернизировать оросительные каналы, потери в которых достигают трети забираемой воды.",
        "Летом учёные планируют провести экспедицию для оценки состояния рыбных запасов и прибрежной растительности в западной части озера.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/02/tsentr-reabilitatsii", "lang": "ru",
     "title": "В Таразе открылся центр реабилитации для детей", "date": "2025-06-02T10:25:00+05:00",
     "author": "Асель Нурпеисова", "paragraphs": [
        "В Таразе открылся центр реабилитации для детей с ограниченными возможностями, рассчитанный на 120 мест. В центре работают логопеды, психологи, инструкторы лечебной физкультуры и педагоги дополнительного образования.",
        "Родители, чьи дети уже начали посещать занятия, отмечают, что раньше за подобной помощью приходилось ездить в Алматы или Шымкент. Теперь курсы реабилитации можно пройти бесплатно по направлению врача.",
        "В центре оборудованы сенсорная комната, бассейн и мастерские, где подростки могут освоить основы профессий. Руководство планирует сотрудничать с местными предприятиями для трудоустройства выпускников.",
        "Центр построен за счёт местного бюджета и спонсорских средств. Обращения принимаются по телефону и через портал электронного правительства.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/06/01/marafon-astana", "lang": "ru",
     "title": "В Астане прошёл весенний марафон", "date": "2025-06-01T18:30:00+05:00",
     "author": "Дмитрий Ли", "paragraphs": [
        "Более десяти тысяч бегунов приняли участие в весеннем марафоне в Астане. Участники могли выбрать дистанцию 5, 10, 21 или 42 километра, старт и финиш располагались у набережной реки Есиль.",
        "Победителем на марафонской дистанции стал кенийский спортсмен Джозеф Киплагат с результатом 2 часа 11 минут. Лучшим среди казахстанских бегунов стал Ерлан Жумабаев, финишировавший шестым.",
        "Организаторы отметили, что количество участников выросло почти вдвое по сравнению с прошлым годом. Многие пробежали дистанцию в составе корпоративных и семейных команд.",
        "Часть стартовых взносов направят на покупку спортивного инвентаря для сельских школ Акмолинской области.",
    ]},
    {"outlet": "novosti-stepi", "slug": "2025/05/31/atyrau-zhana-kopir", "lang": "kk",
     "title": "Атырауда жаңа көпір салынады", "date": "2025-05-31T09:00:00+05:00",
     "author": "Нұрлан Сейітов", "paragraphs": [
        "Атырау қаласында Жайық өзені арқылы жаңа жаяу жүргіншілер көпірі салынады. Құрылыс жұмыстары шілде айында басталып, келесі жылдың көктемінде аяқталуы тиіс деп хабарлады қала әкімдігі.",
        "Көпірдің ұзындығы 350 метр болады, онда велосипед жолы мен демалыс алаңдары қарастырылған. Жоба қаланың екі бөлігін байланыстырып, тұрғындарға жағалаумен серуендеуге мүмкіндік береді.",
        "Қала тұрғындары жобаны қолдайтынын айтып, көпірдің жарықтандырылуы мен қысқы уақытта қауіпсіздігіне ерекше назар аударуды сұрады.",
    ]},
]

# Listed in the novosti-stepi feed, but the page does not exist (a 404).
MISSING = {"outlet": "novosti-stepi", "slug": "2025/06/11/udalennaya-novost", "lang": "ru",
           "title": "Удалённая новость", "date": "2025-06-11T08:00:00+05:00"}
