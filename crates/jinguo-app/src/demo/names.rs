//! The words the demo city is written in: made-up people's names (a surname list and given-name
//! characters; no real person), workplaces, new-domain federation names tied to each county,
//! activity titles and places. Everything is drawn from the caller's seeded generator, so the
//! same seed writes the same city.

use chrono::{Datelike, NaiveDate};
use jinguo_domain::org::{ActivityCategory, FederationKind};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// Common surnames, the most frequent first ([`person`] favours the front of the list).
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
    "郑", "谢", "韩", "唐", "冯", "董", "肖", "程", "曹", "袁", "邓", "许", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁",
    "魏", "薛", "叶", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金",
    "陆", "郝", "孔", "白", "崔", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎",
    "易", "常", "贺", "龚", "文", "向", "覃", "望", "付", "鲁", "严", "伍",
];

/// Surnames frequent among the Tujia of 长阳 and 五峰.
const TUJIA_SURNAMES: &[&str] = &["向", "覃", "田", "谭", "李", "邓", "刘", "杨", "张", "王", "龚", "彭", "黄", "陈"];

/// Characters of women's given names.
const GIVEN: &[&str] = &[
    "秀", "英", "华", "玲", "芳", "燕", "霞", "丽", "敏", "静", "红", "梅", "兰", "娟", "琴", "云", "莉", "萍", "艳", "凤", "慧", "婷",
    "雪", "琳", "洁", "颖", "倩", "晶", "丹", "蓉", "佳", "欣", "悦", "文", "春", "桂", "珍", "玉", "雅", "思", "雨", "月", "璐", "瑶",
    "晓", "亚", "莹", "妍", "娜", "琼", "菊", "荣", "翠", "莲", "淑", "惠", "君", "萱", "怡", "婉", "梦", "诗", "媛", "芬", "薇", "青",
    "新", "金", "小", "海", "冬", "秋", "银", "素",
];

/// A made-up woman's name: a surname and one or two given-name characters.
pub fn person(rng: &mut StdRng, tujia: bool) -> String {
    let surname = if tujia && rng.random_bool(0.4) {
        pick(rng, TUJIA_SURNAMES)
    } else {
        let skewed = rng.random::<f64>().powf(1.7);
        SURNAMES[((skewed * SURNAMES.len() as f64) as usize).min(SURNAMES.len() - 1)]
    };
    let first = pick(rng, GIVEN);
    if rng.random_bool(0.22) {
        return format!("{surname}{first}");
    }
    let second = if rng.random_bool(0.04) { first } else { pick(rng, GIVEN) };
    format!("{surname}{first}{second}")
}

pub fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

/// Where a federation's units sit: the names a text may mention.
#[derive(Debug, Clone)]
pub struct Place {
    /// The city's short name (宜昌).
    pub city: String,
    /// The county's full name (西陵区, 长阳土家族自治县) and short name (西陵, 长阳).
    pub county: String,
    pub county_short: String,
    /// The town (西陵街道), if below a county.
    pub town: Option<String>,
    /// The village's short name (土街头社区, 许家冲村), if a village.
    pub village: Option<String>,
    /// The federation's own name, for new-domain federations (which have no place of their own
    /// in the region tree).
    pub own: Option<String>,
    pub tujia: bool,
}

/// 长阳土家族自治县 → 长阳; 西陵区 → 西陵; 宜都市 → 宜都; 伍家岗区 → 伍家岗.
pub fn county_short(name: &str) -> String {
    let base = name.trim_end_matches("土家族自治县");
    let base = if base.chars().count() > 2 { base.trim_end_matches(['区', '县', '市']) } else { base };
    base.to_owned()
}

/// 土街头社区居民委员会 → 土街头社区; 许家冲村村民委员会 → 许家冲村.
pub fn village_short(name: &str) -> String {
    let base = name
        .trim_end_matches("居民委员会")
        .trim_end_matches("村民委员会")
        .trim_end_matches("委员会")
        .trim_end_matches("居委会")
        .trim_end_matches("村委会");
    if base.is_empty() { name.to_owned() } else { base.to_owned() }
}

fn is_community(village: &str) -> bool {
    village.ends_with("社区") || village.ends_with("生活区") || village.ends_with("居委会")
}

/// The seat of a town's government: 西陵街道办事处, 艾家镇人民政府.
fn town_office(town: &str) -> String {
    if town.ends_with("街道") { format!("{town}办事处") } else { format!("{town}人民政府") }
}

/// The workplace of an executive member of a federation at `place`.
pub fn workplace(rng: &mut StdRng, place: &Place, chair: bool) -> String {
    if let Some(v) = &place.village {
        let committee = if is_community(v) { format!("{v}居民委员会") } else { format!("{v}村民委员会") };
        if chair {
            return committee;
        }
        let others = if is_community(v) {
            ["网格员", "卫生服务站", "幼儿园", "物业服务中心", "个体工商户", "志愿者服务队", "退休教师", "居民小组长"]
        } else {
            ["村民小组长", "卫生室", "小学", "种植专业合作社", "个体工商户", "巾帼志愿服务队", "乡村医生", "返乡创业人员"]
        };
        return format!("{v}{}", pick(rng, &others));
    }
    if let Some(t) = &place.town {
        if chair {
            return town_office(t);
        }
        let units = ["中心学校", "卫生院", "派出所", "司法所", "便民服务中心", "农业服务中心", "文化站", "财政所", "中心幼儿园", "信用社"];
        return if rng.random_bool(0.25) { town_office(t) } else { format!("{t}{}", pick(rng, &units)) };
    }
    let prefix = if place.county.is_empty() { format!("{}市", place.city) } else { place.county.clone() };
    if chair {
        return format!("{prefix}妇女联合会");
    }
    let units = [
        "教育局",
        "人民医院",
        "妇幼保健院",
        "人民法院",
        "人民检察院",
        "民政局",
        "人力资源和社会保障局",
        "农业农村局",
        "融媒体中心",
        "第一中学",
        "卫生健康委员会",
        "公安局",
        "文化和旅游局",
        "总工会",
        "司法局",
        "妇女联合会",
        "女企业家协会",
        "律师协会",
        "实验小学",
        "市场监督管理局",
    ];
    format!("{prefix}{}", pick(rng, &units))
}

/// A local industry a county is known for, for training titles and industry federations.
fn local_industry(county_short: &str) -> &'static str {
    match county_short {
        "秭归" => "脐橙",
        "五峰" => "茶叶",
        "长阳" => "高山蔬菜",
        "远安" => "香菇",
        "兴山" => "柑橘",
        "宜都" => "宜红茶",
        "当阳" => "生态农业",
        "枝江" => "柑橘",
        "夷陵" => "茶叶",
        "点军" => "休闲农业",
        _ => "家政服务",
    }
}

const BRANDS: &[&str] =
    &["华兴", "鑫源", "宏达", "瑞丰", "恒信", "嘉禾", "长盛", "清源", "金穗", "汇通", "百川", "楚峰", "峡光", "锦程", "润泽", "兴业"];
const TRADES: &[&str] = &["纺织", "食品", "医药", "电子", "新材料", "物流", "建材", "茶业", "农业开发", "服饰", "精细化工", "包装"];

/// Candidate names of one kind of new-domain federation in a county, and the town (if any)
/// each one sits in. `towns` are the county's towns, by code.
pub fn new_domain_candidates(rng: &mut StdRng, kind: FederationKind, county: &str, towns: &[String]) -> Vec<(String, Option<usize>)> {
    let cs = county_short(county);
    let c = county;
    let industry = local_industry(&cs);
    let town = |rng: &mut StdRng| if towns.is_empty() { None } else { Some(rng.random_range(0..towns.len())) };
    match kind {
        FederationKind::Industry => {
            let mut v = vec![
                (format!("{c}家政服务业妇联"), None),
                (format!("{c}律师行业妇联"), None),
                (format!("{c}电子商务行业妇联"), None),
                (format!("{c}旅游行业妇联"), None),
                (format!("{c}物业服务行业妇联"), None),
            ];
            if industry != "家政服务" {
                v.push((format!("{c}{industry}产业妇联"), None));
            }
            v
        }
        FederationKind::Area => {
            let mut v = Vec::new();
            for suffix in ["商圈妇联", "楼宇妇联", "集贸市场区域妇联"] {
                if let Some(i) = town(rng) {
                    v.push((format!("{}{suffix}", towns[i]), Some(i)));
                }
            }
            v.push((format!("{c}特色街区区域妇联"), None));
            v
        }
        FederationKind::Park => vec![
            (format!("{cs}经济开发区园区妇联"), None),
            (format!("{c}工业园区妇联"), None),
            (format!("{c}电商产业园妇联"), None),
            (format!("{c}农业科技示范园妇联"), None),
        ],
        FederationKind::Enterprise => (0..3)
            .map(|_| {
                let brand = pick(rng, BRANDS);
                let trade = pick(rng, TRADES);
                (format!("宜昌{brand}{trade}有限公司女职委"), None)
            })
            .collect(),
        FederationKind::SocialOrg => vec![
            (format!("{c}社会组织联合妇联"), None),
            (format!("{c}女企业家协会妇联"), None),
            (format!("{c}社会工作者协会妇联"), None),
            (format!("{c}巾帼志愿者协会妇联"), None),
        ],
        FederationKind::GigPlatform => vec![
            (format!("{c}外卖骑手妇联"), None),
            (format!("{c}网约车司机妇联"), None),
            (format!("{c}快递小哥妇联"), None),
            (format!("{c}网络主播妇联"), None),
            (format!("{c}货车司机妇联"), None),
        ],
        FederationKind::Region => Vec::new(),
    }
}

/// A title the federation would give an activity of `category` held on `day` at `place`,
/// prefixed with the organiser's short name for federations above the village.
pub fn activity_title(rng: &mut StdRng, category: ActivityCategory, day: NaiveDate, place: &Place) -> String {
    let title = theme(rng, category, day, place);
    if place.own.is_some() {
        return title;
    }
    match (&place.village, &place.town) {
        (Some(_), _) => title,
        (None, Some(t)) => format!("{t}{title}"),
        (None, None) if !place.county.is_empty() => format!("{}{title}", place.county),
        (None, None) => format!("{}市{title}", place.city),
    }
}

/// The theme of an activity, without the organiser's name: what a town asks all its villages
/// to hold on a campaign day.
pub fn theme(rng: &mut StdRng, category: ActivityCategory, day: NaiveDate, place: &Place) -> String {
    let year = day.year();
    let month = day.month();
    let cs = place.county_short.as_str();
    let mut options: Vec<String> = Vec::new();
    match category {
        ActivityCategory::Political => {
            options.extend(
                [
                    "巾帼心向党·奋进新征程主题宣讲",
                    "“巾帼心向党”红色故事分享会",
                    "巾帼心向党 永远跟党走主题党日",
                    "学习习近平新时代中国特色社会主义思想巾帼微宣讲",
                    "“巾帼心向党”百姓宣讲",
                ]
                .map(String::from),
            );
            if year == 2021 {
                options.extend(["庆祝中国共产党成立100周年巾帼颂党恩", "党史学习教育巾帼宣讲"].map(String::from));
            }
            if day >= NaiveDate::from_ymd_opt(2022, 10, 23).unwrap_or(day) && year <= 2024 {
                options.push("学习贯彻党的二十大精神巾帼宣讲".into());
            }
            if day >= NaiveDate::from_ymd_opt(2023, 10, 28).unwrap_or(day) && year <= 2024 {
                options.push("学习宣传贯彻中国妇女十三大精神".into());
            }
            if (6..=7).contains(&month) {
                options.push("“七一”巾帼心向党主题活动".into());
            }
            if year == 2024 && (9..=10).contains(&month) {
                options.push("庆祝新中国成立75周年巾帼歌咏会".into());
            }
        }
        ActivityCategory::Culture => {
            options.extend(["巾帼广场舞展演", "巾帼读书分享会", "巾帼手工艺作品展", "邻里文化节"].map(String::from));
            if month == 3 {
                options.push("“三八”国际妇女节文艺汇演".into());
            }
            if (1..=2).contains(&month) {
                options.push("“我们的节日·春节”写春联送祝福".into());
            }
            if (5..=6).contains(&month) {
                options.push("端午节包粽子邻里活动".into());
            }
            if (9..=10).contains(&month) {
                options.push("中秋游园会".into());
            }
            if place.tujia {
                options.extend(["土家撒叶儿嗬展演", "土家摆手舞展演"].map(String::from));
            }
        }
        ActivityCategory::FamilyEducation => {
            options.extend(
                [
                    "家庭教育公益讲座",
                    "“家家幸福安康”家庭教育大讲堂",
                    "亲子阅读分享会",
                    "好家风好家训宣讲",
                    "最美家庭故事分享会",
                    "青春期家长课堂",
                    "隔代教育经验交流会",
                ]
                .map(String::from),
            );
            if (7..=8).contains(&month) {
                options.push("暑期儿童防溺水安全教育".into());
            }
        }
        ActivityCategory::Training => {
            let industry = local_industry(cs);
            options.extend(
                ["巾帼家政服务技能培训", "农村电商直播带货培训", "妇女创业就业技能培训", "育婴员技能培训", "巾帼手工编织培训"]
                    .map(String::from),
            );
            options.push(format!("{industry}种植与经营技术培训").replace("家政服务种植与经营技术培训", "家政服务提升培训"));
        }
        ActivityCategory::Roadshow => {
            options.extend(
                ["家庭教育巡讲", "反家庭暴力法知识巡讲", "民法典进村入户巡讲", "“两癌”防治知识巡讲", "巾帼宣讲团巡回宣讲", "家风家教巡讲"]
                    .map(String::from),
            );
        }
        ActivityCategory::Volunteer => {
            options.extend(
                [
                    "巾帼志愿者人居环境整治",
                    "关爱留守儿童志愿服务",
                    "敬老院慰问志愿服务",
                    "巾帼志愿者文明劝导",
                    "巾帼护河志愿行动",
                    "巾帼义诊志愿服务",
                ]
                .map(String::from),
            );
            if year <= 2022 {
                options.push("疫情防控巾帼志愿服务".into());
            }
        }
        ActivityCategory::Other => {
            options
                .extend(["妇女议事会", "妇联执委会议", "“两癌”免费筛查动员会", "妇女儿童维权咨询", "巾帼建功先进表彰会"].map(String::from));
        }
    }
    options.choose(rng).cloned().unwrap_or_else(|| category.label().to_owned())
}

/// Where an activity of a federation at `place` is held.
pub fn activity_place(rng: &mut StdRng, place: &Place) -> String {
    if let Some(own) = &place.own {
        let base = own.trim_end_matches("女职委").trim_end_matches("妇联");
        return [format!("{base}妇女之家"), format!("{own}活动室"), format!("{base}党群服务站")].choose(rng).cloned().unwrap_or_default();
    }
    if let Some(v) = &place.village {
        let options = if is_community(v) {
            [format!("{v}妇女之家"), format!("{v}党群服务中心"), format!("{v}居民广场"), format!("{v}新时代文明实践站")]
        } else {
            [format!("{v}妇女之家"), format!("{v}党群服务中心"), format!("{v}文化广场"), format!("{v}新时代文明实践站")]
        };
        return options.choose(rng).cloned().unwrap_or_default();
    }
    if let Some(t) = &place.town {
        let options =
            [format!("{t}综合文化站"), format!("{t}党群服务中心"), format!("{t}便民服务中心会议室"), format!("{t}新时代文明实践所")];
        return options.choose(rng).cloned().unwrap_or_default();
    }
    let prefix = if place.county.is_empty() { format!("{}市", place.city) } else { place.county.clone() };
    let options = [
        format!("{prefix}妇女儿童活动中心"),
        format!("{prefix}文化馆"),
        format!("{prefix}融媒体中心演播厅"),
        format!("{prefix}新时代文明实践中心"),
    ];
    options.choose(rng).cloned().unwrap_or_default()
}

/// Where a women's home is: a room of the village's service centre or committee.
pub fn home_address(rng: &mut StdRng, place: &Place) -> String {
    let v = place.village.clone().unwrap_or_default();
    let town = place.town.clone().unwrap_or_default();
    let room = pick(rng, &["党群服务中心一楼", "党群服务中心二楼", "综合服务楼二楼", "文化活动室"]);
    format!("{}{town}{v}{room}", place.county)
}

/// Why a checklist item was found not to hold.
pub fn failure_note(rng: &mut StdRng, item: jinguo_domain::org::HomeCheckItem) -> &'static str {
    use jinguo_domain::org::HomeCheckItem::*;
    let options: &[&str] = match item {
        Premises => &["活动场所被临时占用", "活动室改作他用，待调整"],
        Sign => &["标识牌损坏待更换", "未悬挂统一标识牌"],
        Rules => &["工作制度未上墙", "制度内容未更新"],
        Keeper => &["负责人调离，待明确专人", "负责人兼职过多，待调整"],
        Activities => &["近半年未开展活动", "活动开展次数不足"],
        Records => &["工作台账记录不全", "台账未及时归档"],
    };
    pick(rng, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn short_names_read_naturally() {
        assert_eq!(county_short("长阳土家族自治县"), "长阳");
        assert_eq!(county_short("西陵区"), "西陵");
        assert_eq!(county_short("伍家岗区"), "伍家岗");
        assert_eq!(county_short("宜都市"), "宜都");
        assert_eq!(village_short("土街头社区居民委员会"), "土街头社区");
        assert_eq!(village_short("许家冲村村民委员会"), "许家冲村");
    }

    #[test]
    fn names_are_chinese_and_repeat_with_the_seed() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let n = person(&mut a, false);
            assert!((2..=3).contains(&n.chars().count()), "{n}");
            assert_eq!(n, person(&mut b, false));
        }
    }
}
