//! The women's register: who a person is (name, ID number, phone), which groups she belongs to
//! (人员类别), and the small vocabularies of the care and screening work built on the register
//! (risk levels of care cases, two-cancer screening kinds, results and statistical years).
//!
//! Everything here is a validated type built only by parsing, with Chinese messages for the
//! officer who typed the value. What does not live here: encryption at rest, blind indexes and
//! reveal permissions (the crypto and store layers), and care cases, visits and screenings as
//! records (later modules). No I/O and no clock: "today" is always passed in.
//!
//! `IdNumber` and `Phone` are personal data. Their `Debug` shows the masked form, and they have
//! no `Display` or `Serialize`, so a full number reaches a log, a page or a JSON body only when
//! code asks for it by name (`as_str`).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Invalid, RegionCode};

// ---------------------------------------------------------------------------------------------
// ID number (身份证号码, GB 11643-1999)
// ---------------------------------------------------------------------------------------------

/// Weights of the 17 body digits in ISO 7064 MOD 11-2 (2^(18-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each remainder of the weighted sum modulo 11.
const ID_CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

const ID_FIELD: &str = "id_number";

/// Sex as the ID number records it (the 17th digit: odd for men, even for women).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A resident ID number of GB 11643-1999: 18 characters whose check character is right, whose
/// birth date is a real day between 1900-01-01 and the day of parsing, and whose address code
/// names a real province and a county. Birth date and sex derive from it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    /// 17 ASCII digits and a digit or `X`.
    number: String,
    birth: NaiveDate,
    sex: Sex,
}

impl IdNumber {
    /// Parses an ID number as an officer types or pastes it. Before checking, surrounding and
    /// inner spaces are dropped, full-width digits and `Ｘ`/`ｘ` become ASCII, and `x` becomes `X`.
    /// `today` bounds the birth date (nobody is born tomorrow).
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, Invalid> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).map(normalise_id_char).collect();
        let invalid = |message: String| Err(Invalid::field(ID_FIELD, message));
        if s.is_empty() {
            return invalid("请填写身份证号码".to_owned());
        }
        if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit() && *c != 'X') {
            return invalid(format!("身份证号码含有非法字符「{bad}」：只能是数字和末位的 X"));
        }
        let len = s.chars().count();
        if len != 18 {
            return invalid(format!("身份证号码长度应为 18 位，现为 {len} 位"));
        }
        // Only ASCII remains, so byte offsets are character offsets from here on.
        let (body, check) = s.split_at(17);
        if body.contains('X') {
            return invalid("身份证号码含有非法字符：X 只能出现在最后一位".to_owned());
        }
        if !is_valid_address_code(&body[..6]) {
            return invalid("身份证号码地址码无效：前 6 位应为有效的省级和县级行政区划代码".to_owned());
        }
        let Some(birth) = parse_birth_date(&body[6..14]) else {
            return invalid("身份证号码出生日期无效：第 7–14 位不是一个真实的日期".to_owned());
        };
        if birth > today || birth < earliest_birth_date() {
            return invalid("身份证号码出生日期无效：出生日期应不早于 1900 年 1 月 1 日、不晚于今天".to_owned());
        }
        if !check.starts_with(IdNumber::check_char(body)) {
            return invalid("身份证号码校验码不符，请核对是否有数字录错".to_owned());
        }
        let sex = if (body.as_bytes()[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female };
        Ok(IdNumber { number: s, birth, sex })
    }

    /// The check character (ISO 7064 MOD 11-2) for the first 17 digits of an ID number.
    ///
    /// Public so that demo data and tests can build valid numbers of made-up people. Only the
    /// first 17 characters count, and anything that is not an ASCII digit counts as 0: callers
    /// pass 17 digits.
    pub fn check_char(first17: &str) -> char {
        let sum: u32 = first17.chars().zip(ID_WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
        ID_CHECK_CHARS[(sum % 11) as usize]
    }

    /// The full number, `X` in upper case. Personal data: show `masked()` unless revealed.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Age in whole years on `day` (0 before the birth date).
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        age_in_years(self.birth, day)
    }

    /// The address code (first 6 digits) as a county region code, if it is one. Old codes of
    /// abolished counties still parse; codes with a zero city segment do not.
    pub fn region_code(&self) -> Option<RegionCode> {
        RegionCode::parse(&self.number[..6]).ok()
    }

    /// The form pages and exports show: `420502********1234` (address code and last 4 kept).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.number[..6], &self.number[14..])
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

fn normalise_id_char(c: char) -> char {
    match c {
        'x' | 'Ｘ' | 'ｘ' => 'X',
        c => halfwidth_digit(c),
    }
}

/// `０`–`９` to `0`–`9`; every other character unchanged.
fn halfwidth_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        c => c,
    }
}

/// A real province (11–82 as GB/T 2260 assigns them) and a county part other than `00`.
fn is_valid_address_code(code: &str) -> bool {
    let province: u32 = code[..2].parse().unwrap_or(0);
    let real_province = matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82);
    real_province && &code[4..6] != "00"
}

/// `YYYYMMDD` (8 ASCII digits) to a date, if that day exists.
fn parse_birth_date(digits: &str) -> Option<NaiveDate> {
    let year: i32 = digits[..4].parse().ok()?;
    let month: u32 = digits[4..6].parse().ok()?;
    let day: u32 = digits[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn earliest_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Age in whole years on `day` of someone born on `birth` (0 before the birth date). Someone
/// born on 29 February becomes a year older on 1 March in common years.
pub fn age_in_years(birth: NaiveDate, day: NaiveDate) -> u32 {
    if day < birth {
        return 0;
    }
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Phone (手机号码 / 固定电话)
// ---------------------------------------------------------------------------------------------

const PHONE_FIELD: &str = "phone";

/// A mainland mobile number (`1[3-9]` and 9 more digits, kept as 11 digits) or a landline with
/// its area code (kept as `0717-6221234`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    number: String,
    mobile: bool,
}

impl Phone {
    /// Parses a number as people write it: a `+86`, `0086` or `86` prefix, spaces and dashes,
    /// full-width digits. The area code of a landline is split the way China numbers them:
    /// `010` and `02x` have three digits, every other area code four.
    pub fn parse(input: &str) -> Result<Phone, Invalid> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '－' | '‐' | '‑' | '–' | '—'))
            .map(|c| if c == '＋' { '+' } else { halfwidth_digit(c) })
            .collect();
        let invalid = |message: &str| Err(Invalid::field(PHONE_FIELD, message));
        if s.is_empty() {
            return invalid("请填写电话号码");
        }
        let (international, rest) = if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
            (true, rest)
        } else if s.len() == 13 && s.starts_with("861") {
            (true, &s[2..])
        } else {
            (false, s.as_str())
        };
        if rest.contains('+') {
            return invalid("只支持中国大陆电话号码（+86）");
        }
        if !rest.chars().all(|c| c.is_ascii_digit()) {
            return invalid("电话号码含有非法字符：只能填数字、空格、短横线和 +86");
        }
        if is_mobile(rest) {
            return Ok(Phone { number: rest.to_owned(), mobile: true });
        }
        // In international form a landline drops its leading 0: +86 717 6221234.
        let landline_digits = if international && !rest.starts_with('0') { format!("0{rest}") } else { rest.to_owned() };
        if let Some(number) = landline(&landline_digits) {
            return Ok(Phone { number, mobile: false });
        }
        if rest.starts_with('1') {
            invalid("手机号码应为 11 位数字，以 13–19 开头")
        } else if rest.starts_with('0') {
            invalid("固定电话应为区号加 7–8 位号码，如 0717-6221234")
        } else {
            invalid("电话号码格式不正确：手机号码为 11 位，固定电话须带区号（如 0717-6221234）")
        }
    }

    /// The normalised number: `13812345678` or `0717-6221234`. Personal data: show `masked()`
    /// unless revealed.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn is_mobile(&self) -> bool {
        self.mobile
    }

    /// `138****5678` for a mobile; a landline keeps its area code and last 4: `0717-***1234`.
    pub fn masked(&self) -> String {
        let n = &self.number;
        if self.mobile {
            return format!("{}****{}", &n[..3], &n[7..]);
        }
        let dash = n.find('-').unwrap_or(0);
        let (area, local) = (&n[..dash], &n[dash + 1..]);
        let keep = local.len().saturating_sub(4);
        format!("{area}-{}{}", "*".repeat(keep), &local[keep..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

/// `1[3-9]\d{9}` on ASCII digits.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// `0` + area code + 7–8 digit local number, as `0717-6221234`; ASCII digits in.
fn landline(digits: &str) -> Option<String> {
    if !digits.starts_with('0') || digits.starts_with("00") {
        return None;
    }
    let area_len = if digits.starts_with("01") || digits.starts_with("02") { 3 } else { 4 };
    let local = digits.get(area_len..)?;
    let ok = (7..=8).contains(&local.len()) && !local.starts_with('0');
    ok.then(|| format!("{}-{local}", &digits[..area_len]))
}

// ---------------------------------------------------------------------------------------------
// Person categories (人员类别)
// ---------------------------------------------------------------------------------------------

const CATEGORY_FIELD: &str = "categories";

/// The groups a woman on the register belongs to. The first five are the vulnerable women
/// (特殊妇女群体) who get a care case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonCategory {
    Hardship,
    LeftBehind,
    Disability,
    SingleMother,
    SeriousIllness,
    GigWorker,
    Scientist,
    Other,
}

/// What separates categories in one spreadsheet cell or form field (besides white space).
const CATEGORY_SEPARATORS: [char; 5] = ['、', '，', ',', ';', '；'];

impl PersonCategory {
    pub const ALL: [PersonCategory; 8] = [
        PersonCategory::Hardship,
        PersonCategory::LeftBehind,
        PersonCategory::Disability,
        PersonCategory::SingleMother,
        PersonCategory::SeriousIllness,
        PersonCategory::GigWorker,
        PersonCategory::Scientist,
        PersonCategory::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PersonCategory::Hardship => "hardship",
            PersonCategory::LeftBehind => "left_behind",
            PersonCategory::Disability => "disability",
            PersonCategory::SingleMother => "single_mother",
            PersonCategory::SeriousIllness => "serious_illness",
            PersonCategory::GigWorker => "gig_worker",
            PersonCategory::Scientist => "scientist",
            PersonCategory::Other => "other",
        }
    }

    /// The word pages and spreadsheets show.
    pub fn label(self) -> &'static str {
        match self {
            PersonCategory::Hardship => "困难",
            PersonCategory::LeftBehind => "留守",
            PersonCategory::Disability => "残疾",
            PersonCategory::SingleMother => "单亲",
            PersonCategory::SeriousIllness => "大病",
            PersonCategory::GigWorker => "新业态从业者",
            PersonCategory::Scientist => "女科技工作者",
            PersonCategory::Other => "其他",
        }
    }

    /// Other Chinese words officers use for the category, accepted on input.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            PersonCategory::Hardship => &["困难妇女"],
            PersonCategory::LeftBehind => &["留守妇女"],
            PersonCategory::Disability => &["残疾妇女"],
            PersonCategory::SingleMother => &["单亲母亲"],
            PersonCategory::SeriousIllness => &["大病妇女"],
            PersonCategory::GigWorker => &["新业态"],
            PersonCategory::Scientist => &[],
            PersonCategory::Other => &["其它"],
        }
    }

    /// Hardship, left-behind, disability, single mother, serious illness: the women who get a
    /// care case (动态监测).
    pub fn is_vulnerable(self) -> bool {
        matches!(
            self,
            PersonCategory::Hardship
                | PersonCategory::LeftBehind
                | PersonCategory::Disability
                | PersonCategory::SingleMother
                | PersonCategory::SeriousIllness
        )
    }

    /// One category, by its code (`left_behind`), its label (`留守`) or a common longer form
    /// (`留守妇女`).
    pub fn parse(s: &str) -> Result<PersonCategory, Invalid> {
        let word = s.trim();
        if word.is_empty() {
            return Err(Invalid::field(CATEGORY_FIELD, "请填写人员类别"));
        }
        PersonCategory::find(word).ok_or_else(|| Invalid::field(CATEGORY_FIELD, unknown_categories_message(&[word])))
    }

    /// Several categories in one cell (`困难、留守`), split on 、，,;； and spaces. Duplicates
    /// collapse, and the result is in the order of `ALL` whatever the order typed, so the same
    /// set always reads and stores the same way. An empty cell is no category. Every unknown
    /// word is named in the message.
    pub fn parse_list(s: &str) -> Result<Vec<PersonCategory>, Invalid> {
        let mut found = BTreeSet::new();
        let mut unknown: Vec<&str> = Vec::new();
        for word in s.split(|c: char| c.is_whitespace() || CATEGORY_SEPARATORS.contains(&c)).filter(|w| !w.is_empty()) {
            match PersonCategory::find(word) {
                Some(category) => {
                    found.insert(category);
                }
                None if !unknown.contains(&word) => unknown.push(word),
                None => {}
            }
        }
        if !unknown.is_empty() {
            return Err(Invalid::field(CATEGORY_FIELD, unknown_categories_message(&unknown)));
        }
        Ok(found.into_iter().collect())
    }

    /// Labels joined by 、, as a spreadsheet cell shows them.
    pub fn join_labels(categories: &[PersonCategory]) -> String {
        categories.iter().map(|c| c.label()).collect::<Vec<_>>().join("、")
    }

    fn find(word: &str) -> Option<PersonCategory> {
        let code = word.to_ascii_lowercase();
        PersonCategory::ALL.into_iter().find(|c| c.code() == code || c.label() == word || c.aliases().contains(&word))
    }
}

fn unknown_categories_message(words: &[&str]) -> String {
    let words: Vec<String> = words.iter().map(|w| format!("「{w}」")).collect();
    let labels: Vec<&str> = PersonCategory::ALL.iter().map(|c| c.label()).collect();
    format!("未知的人员类别{}，可填：{}", words.join("、"), labels.join("、"))
}

// ---------------------------------------------------------------------------------------------
// Person names (姓名)
// ---------------------------------------------------------------------------------------------

/// The middle dot of ethnic minority names (买买提·吐尔逊).
const NAME_DOT: char = '·';

/// Checks a person's name: 2–30 characters after trimming, of Chinese characters (rare ones
/// outside the basic block included), letters, the middle dot `·` and spaces. Look-alike dots
/// (`•`, `・`, `‧`) become `·`, and runs of spaces (full-width too) become one space.
pub fn validate_person_name(s: &str) -> Result<String, Invalid> {
    let invalid = |message: String| Err(Invalid::field("name", message));
    let mut name = String::new();
    for c in s.trim().chars() {
        match c {
            c if c.is_whitespace() => {
                if !name.ends_with(' ') {
                    name.push(' ');
                }
            }
            '•' | '・' | '･' | '‧' | '∙' => name.push(NAME_DOT),
            c => name.push(c),
        }
    }
    if name.is_empty() {
        return invalid("请填写姓名".to_owned());
    }
    if let Some(bad) = name.chars().find(|&c| !(c == ' ' || c == NAME_DOT || is_name_letter(c))) {
        return invalid(format!("姓名只能包含汉字、字母、间隔号「·」和空格，不能有「{bad}」"));
    }
    let len = name.chars().count();
    if !(2..=30).contains(&len) {
        return invalid(format!("姓名应为 2–30 个字，现为 {len} 个字"));
    }
    if name.starts_with(NAME_DOT) || name.ends_with(NAME_DOT) || name.contains("··") {
        return invalid("间隔号「·」只能用在姓名中间，且不能连用".to_owned());
    }
    Ok(name)
}

/// Chinese characters and letters of any script. Unicode's Alphabetic property covers every CJK
/// ideograph block, the rare characters of extension B and later (王𠇔) and 〇 included, while
/// leaving out digits, punctuation and symbols.
fn is_name_letter(c: char) -> bool {
    c.is_alphabetic()
}

// ---------------------------------------------------------------------------------------------
// Care cases: risk level (风险等级)
// ---------------------------------------------------------------------------------------------

/// The risk level of a care case; it sets how often she is visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    High,
    Medium,
    Low,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 3] = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low];

    pub fn code(self) -> &'static str {
        match self {
            RiskLevel::High => "high",
            RiskLevel::Medium => "medium",
            RiskLevel::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::High => "高",
            RiskLevel::Medium => "中",
            RiskLevel::Low => "低",
        }
    }

    /// Days between visits unless configured otherwise: monthly, quarterly, half-yearly.
    pub fn default_visit_interval_days(self) -> i64 {
        match self {
            RiskLevel::High => 30,
            RiskLevel::Medium => 90,
            RiskLevel::Low => 182,
        }
    }

    /// By code (`high`), label (`高`) or the label with 风险 (`高风险`).
    pub fn parse(s: &str) -> Result<RiskLevel, Invalid> {
        let word = s.trim();
        let code = word.to_ascii_lowercase();
        let bare = word.strip_suffix("风险").unwrap_or(word);
        RiskLevel::ALL
            .into_iter()
            .find(|r| r.code() == code || r.label() == bare)
            .ok_or_else(|| Invalid::field("risk_level", "风险等级应为 高、中、低 之一"))
    }
}

// ---------------------------------------------------------------------------------------------
// Two-cancer screening (两癌筛查)
// ---------------------------------------------------------------------------------------------

/// Youngest age (inclusive) of the women the two-cancer screening is for.
pub const SCREENING_MIN_AGE: u32 = 35;
/// Oldest age (inclusive) of the women the two-cancer screening is for.
pub const SCREENING_MAX_AGE: u32 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningKind {
    Cervical,
    Breast,
}

impl ScreeningKind {
    pub const ALL: [ScreeningKind; 2] = [ScreeningKind::Cervical, ScreeningKind::Breast];

    pub fn code(self) -> &'static str {
        match self {
            ScreeningKind::Cervical => "cervical",
            ScreeningKind::Breast => "breast",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScreeningKind::Cervical => "宫颈癌",
            ScreeningKind::Breast => "乳腺癌",
        }
    }

    /// By code, label, or the organ alone (`宫颈`, `乳腺`).
    pub fn parse(s: &str) -> Result<ScreeningKind, Invalid> {
        let word = s.trim();
        let code = word.to_ascii_lowercase();
        let organ = word.strip_suffix("筛查").unwrap_or(word);
        ScreeningKind::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == organ || k.label().strip_suffix('癌') == Some(organ))
            .ok_or_else(|| Invalid::field("kind", "筛查类别应为 宫颈癌 或 乳腺癌"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningResult {
    Normal,
    Abnormal,
    Suspected,
}

impl ScreeningResult {
    pub const ALL: [ScreeningResult; 3] = [ScreeningResult::Normal, ScreeningResult::Abnormal, ScreeningResult::Suspected];

    pub fn code(self) -> &'static str {
        match self {
            ScreeningResult::Normal => "normal",
            ScreeningResult::Abnormal => "abnormal",
            ScreeningResult::Suspected => "suspected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScreeningResult::Normal => "未见异常",
            ScreeningResult::Abnormal => "异常",
            ScreeningResult::Suspected => "可疑",
        }
    }

    /// Abnormal and suspected results both need a follow-up and a diagnosis.
    pub fn needs_follow_up(self) -> bool {
        self != ScreeningResult::Normal
    }

    /// By code or label; `正常` is taken as 未见异常.
    pub fn parse(s: &str) -> Result<ScreeningResult, Invalid> {
        let word = s.trim();
        let code = word.to_ascii_lowercase();
        if word == "正常" {
            return Ok(ScreeningResult::Normal);
        }
        ScreeningResult::ALL
            .into_iter()
            .find(|r| r.code() == code || r.label() == word)
            .ok_or_else(|| Invalid::field("result", "筛查结果应为 未见异常、异常、可疑 之一"))
    }
}

/// The screening statistical year of `day`: it runs 1 April to 31 March and is named by the
/// year it starts in (2025-03-31 is in 2024, 2025-04-01 in 2025).
pub fn statistical_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 { day.year() } else { day.year() - 1 }
}

/// The first and last day (inclusive) of statistical year `year`: 1 April `year` to 31 March
/// `year + 1`. None only for years outside the calendar chrono supports.
pub fn statistical_year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 4, 1)?, NaiveDate::from_ymd_opt(year.checked_add(1)?, 3, 31)?))
}

/// Whether a woman born on `birth_date` is of screening age (35–64 inclusive) on `on_day`.
pub fn screening_eligible(birth_date: NaiveDate, on_day: NaiveDate) -> bool {
    on_day >= birth_date && (SCREENING_MIN_AGE..=SCREENING_MAX_AGE).contains(&age_in_years(birth_date, on_day))
}

// The workspace warns on unwrap/expect everywhere; in tests a panic is the failure report.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn today() -> NaiveDate {
        d("2025-06-30")
    }

    /// A valid made-up number from its first 17 digits.
    fn valid(first17: &str) -> String {
        format!("{first17}{}", IdNumber::check_char(first17))
    }

    fn id_err(input: &str) -> String {
        IdNumber::parse(input, today()).unwrap_err().message_for("id_number").unwrap().to_owned()
    }

    fn phone_err(input: &str) -> String {
        Phone::parse(input).unwrap_err().message_for("phone").unwrap().to_owned()
    }

    fn to_fullwidth(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
                'X' => 'Ｘ',
                c => c,
            })
            .collect()
    }

    const PROVINCES: [u32; 34] = [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81,
        82,
    ];

    /// First 17 digits with a real province, a non-zero county part and a birth date from
    /// 1900-01-01 to `today()`.
    fn first17() -> impl Strategy<Value = String> {
        let days = (today() - d("1900-01-01")).num_days();
        (proptest::sample::select(PROVINCES.to_vec()), 0u32..100, 1u32..100, 0..=days, 0u32..1000).prop_map(|(p, c, k, n, seq)| {
            let birth = d("1900-01-01") + Duration::days(n);
            format!("{p:02}{c:02}{k:02}{}{seq:03}", birth.format("%Y%m%d"))
        })
    }

    // --- ID number ---

    #[test]
    fn check_char_follows_iso_7064_mod_11_2() {
        // Definition: with a_18 the check value (X = 10), Σ a_i·2^(18-i) ≡ 1 (mod 11).
        for body in ["42050219850315123", "31011520010704456", "00000000000000000", "99999999999999999", "65010120001231999"] {
            let c = IdNumber::check_char(body);
            let check = if c == 'X' { 10 } else { c.to_digit(10).unwrap() };
            let sum: u32 =
                body.chars().enumerate().map(|(i, ch)| ch.to_digit(10).unwrap() * (2u32.pow(17 - i as u32) % 11)).sum::<u32>() + check;
            assert_eq!(sum % 11, 1, "{body}");
        }
        assert_eq!(IdNumber::check_char("00000000000000000"), '1');
    }

    #[test]
    fn a_made_up_yichang_number_parses_with_everything_derived() {
        let n = valid("42050219850315124");
        let id = IdNumber::parse(&n, today()).unwrap();
        assert_eq!(id.as_str(), n);
        assert_eq!(id.birth_date(), d("1985-03-15"));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.sex().label(), "女");
        assert_eq!(id.region_code().unwrap().short(), "420502");
        assert_eq!(id.masked(), format!("420502********{}", &n[14..]));
        assert_eq!(id.age_on(d("2025-03-14")), 39);
        assert_eq!(id.age_on(d("2025-03-15")), 40);
        assert!(!format!("{id:?}").contains("19850315"), "Debug must not leak the number");
    }

    #[test]
    fn x_check_char_in_any_case_and_width() {
        // Search for a body whose check char is X.
        let body = (0..1000).map(|seq| format!("42050219900101{seq:03}")).find(|b| IdNumber::check_char(b) == 'X').unwrap();
        for last in ["X", "x", "Ｘ", "ｘ"] {
            let id = IdNumber::parse(&format!(" {body}{last} "), today()).unwrap();
            assert_eq!(id.as_str(), format!("{body}X"));
        }
    }

    #[test]
    fn id_number_messages() {
        assert_eq!(id_err("  "), "请填写身份证号码");
        assert!(id_err("42050219850315123").contains("长度"));
        assert!(id_err("4205021985031512345").contains("长度"));
        assert!(id_err("420502-19850315-1234").contains("非法字符"));
        assert!(id_err("42050219850315123Y").contains("非法字符"));
        assert!(id_err("4205021985X3151234").contains("非法字符"));
        let mut bad_check = valid("42050219850315123");
        let wrong = if bad_check.ends_with('1') { '2' } else { '1' };
        bad_check.replace_range(17.., &wrong.to_string());
        assert!(id_err(&bad_check).contains("校验码不符"));
        // Each of these has a right check char, so only the named part is wrong.
        for bad_date in ["42050219850230123", "42050218991231123", "42050220250701123", "42050219851301123"] {
            assert!(id_err(&valid(bad_date)).contains("出生日期无效"), "{bad_date}");
        }
        for bad_address in ["10050219850315123", "99050219850315123", "42050019850315123", "83000019850315123"] {
            assert!(id_err(&valid(bad_address)).contains("地址码无效"), "{bad_address}");
        }
        let messages = [
            id_err("1"),
            id_err("1234567890123456a8"),
            id_err(&bad_check),
            id_err(&valid("42050219850230123")),
            id_err(&valid("10050219850315123")),
        ];
        let distinct: BTreeSet<_> = messages.iter().collect();
        assert_eq!(distinct.len(), 5);
    }

    #[test]
    fn birth_date_bounds_are_inclusive() {
        assert!(IdNumber::parse(&valid("42050219000101123"), today()).is_ok());
        assert!(IdNumber::parse(&valid("42050220250630123"), today()).is_ok());
        assert!(IdNumber::parse(&valid("42050220240229123"), today()).is_ok());
        assert!(IdNumber::parse(&valid("42050220230229123"), today()).is_err());
    }

    #[test]
    fn sex_from_the_17th_digit() {
        assert_eq!(IdNumber::parse(&valid("42050219850315121"), today()).unwrap().sex(), Sex::Male);
        assert_eq!(IdNumber::parse(&valid("42050219850315128"), today()).unwrap().sex(), Sex::Female);
        assert_eq!(Sex::Male.code(), "male");
        assert_eq!(Sex::Male.label(), "男");
    }

    #[test]
    fn region_code_only_when_it_is_one() {
        // 42 00 02: a real province and county part, but a zero city segment.
        let id = IdNumber::parse(&valid("42000219850315123"), today()).unwrap();
        assert!(id.region_code().is_none());
    }

    #[test]
    fn ages_around_leap_day_birthdays() {
        let born = d("2000-02-29");
        assert_eq!(age_in_years(born, d("2001-02-28")), 0);
        assert_eq!(age_in_years(born, d("2001-03-01")), 1);
        assert_eq!(age_in_years(born, d("2004-02-29")), 4);
        assert_eq!(age_in_years(born, d("1999-01-01")), 0);
    }

    proptest! {
        #[test]
        fn any_valid_prefix_with_its_check_char_parses(body in first17()) {
            let n = valid(&body);
            let id = IdNumber::parse(&n, today()).unwrap();
            prop_assert_eq!(id.as_str(), n.as_str());
            prop_assert_eq!(id.birth_date().format("%Y%m%d").to_string(), &body[6..14]);
            let odd = body.as_bytes()[16] % 2 == 1;
            prop_assert_eq!(id.sex(), if odd { Sex::Male } else { Sex::Female });
            let masked = id.masked();
            prop_assert_eq!(masked.chars().count(), 18);
            prop_assert_eq!(&masked[..6], &n[..6]);
            prop_assert_eq!(&masked[6..14], "********");
            prop_assert_eq!(&masked[14..], &n[14..]);
        }

        #[test]
        fn changing_any_single_character_is_rejected(body in first17(), pos in 0usize..18, replacement in 0u32..11) {
            let n = valid(&body);
            let new = if replacement == 10 { 'X' } else { char::from_digit(replacement, 10).unwrap() };
            prop_assume!(n.chars().nth(pos) != Some(new));
            let mut changed: Vec<char> = n.chars().collect();
            changed[pos] = new;
            let changed: String = changed.into_iter().collect();
            prop_assert!(IdNumber::parse(&changed, today()).is_err(), "{} accepted", changed);
        }

        #[test]
        fn swapping_adjacent_digits_is_rejected(body in first17(), pos in 0usize..16) {
            let n = valid(&body);
            let b = n.as_bytes();
            prop_assume!(b[pos] != b[pos + 1]);
            let mut swapped = b.to_vec();
            swapped.swap(pos, pos + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            prop_assert!(IdNumber::parse(&swapped, today()).is_err(), "{} accepted", swapped);
        }

        #[test]
        fn full_width_and_spaced_input_parses_to_the_same_number(body in first17(), lower in any::<bool>(), gap in 0usize..18) {
            let n = valid(&body);
            let mut noisy = to_fullwidth(&n);
            if lower {
                noisy = noisy.replace('Ｘ', "ｘ");
            }
            let at = noisy.char_indices().nth(gap).map(|(i, _)| i).unwrap();
            noisy.insert_str(at, " \u{3000}");
            let plain = IdNumber::parse(&n, today()).unwrap();
            prop_assert_eq!(IdNumber::parse(&format!(" {noisy}\t"), today()).unwrap(), plain);
        }
    }

    // --- Phone ---

    #[test]
    fn phones_normalise() {
        let cases = [
            ("13812345678", "13812345678", true),
            ("+86 138-1234-5678", "13812345678", true),
            ("8613812345678", "13812345678", true),
            ("0086 138 1234 5678", "13812345678", true),
            ("１３８１２３４５６７８", "13812345678", true),
            ("＋８６　１９９１２３４５６７８", "19912345678", true),
            ("0717-6221234", "0717-6221234", false),
            ("07176221234", "0717-6221234", false),
            ("0717 62212345", "0717-62212345", false),
            ("010-12345678", "010-12345678", false),
            ("027 8765 4321", "027-87654321", false),
            ("+86 717 6221234", "0717-6221234", false),
            ("+86 10 12345678", "010-12345678", false),
        ];
        for (input, normal, mobile) in cases {
            let p = Phone::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((p.as_str(), p.is_mobile()), (normal, mobile), "{input}");
        }
    }

    #[test]
    fn phone_masks() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(Phone::parse("0717-6221234").unwrap().masked(), "0717-***1234");
        assert_eq!(Phone::parse("010-12345678").unwrap().masked(), "010-****5678");
        assert!(!format!("{:?}", Phone::parse("13812345678").unwrap()).contains("1234"));
    }

    #[test]
    fn phone_messages() {
        assert_eq!(phone_err(" "), "请填写电话号码");
        assert!(phone_err("1381234567").contains("手机号码应为 11 位"));
        assert!(phone_err("12812345678").contains("手机号码应为 11 位"));
        assert!(phone_err("138123456789").contains("手机号码应为 11 位"));
        assert!(phone_err("0717-62212").contains("固定电话"));
        assert!(phone_err("0717-622123456").contains("固定电话"));
        assert!(phone_err("6221234").contains("须带区号"));
        assert!(phone_err("138(1234)5678").contains("非法字符"));
        assert!(phone_err("+1 415 555 0100").contains("中国大陆"));
    }

    proptest! {
        #[test]
        fn mobiles_survive_formatting_noise(second in 3u32..10, rest in "[0-9]{9}", prefix in 0usize..5, fullwidth in any::<bool>()) {
            let n = format!("1{second}{rest}");
            let noisy = format!("{}{}-{}-{}", ["", "+86 ", "86", "0086 ", " +86-"][prefix], &n[..3], &n[3..7], &n[7..]);
            let noisy = if fullwidth { to_fullwidth(&noisy) } else { noisy };
            let p = Phone::parse(&noisy).unwrap();
            prop_assert_eq!(p.as_str(), n.as_str());
            prop_assert!(p.is_mobile());
            let masked = p.masked();
            prop_assert_eq!(masked.len(), 11);
            prop_assert_eq!(&masked[..3], &n[..3]);
            prop_assert_eq!(&masked[3..7], "****");
            prop_assert_eq!(&masked[7..], &n[7..]);
        }

        #[test]
        fn landlines_keep_area_code_and_last_four(area in "0[3-9][0-9]{2}", local in "[2-8][0-9]{6,7}") {
            let p = Phone::parse(&format!("{area} {local}")).unwrap();
            prop_assert_eq!(p.as_str(), format!("{area}-{local}"));
            let masked = p.masked();
            let prefix = format!("{area}-");
            prop_assert!(masked.starts_with(&prefix));
            prop_assert!(masked.ends_with(&local[local.len() - 4..]));
            prop_assert_eq!(masked.chars().filter(|&c| c == '*').count(), local.len() - 4);
        }
    }

    // --- Categories ---

    #[test]
    fn categories_by_code_label_and_short_form() {
        for c in PersonCategory::ALL {
            assert_eq!(PersonCategory::parse(c.code()).unwrap(), c);
            assert_eq!(PersonCategory::parse(c.label()).unwrap(), c);
        }
        assert_eq!(PersonCategory::parse("新业态").unwrap(), PersonCategory::GigWorker);
        assert_eq!(PersonCategory::parse(" LEFT_BEHIND ").unwrap(), PersonCategory::LeftBehind);
        assert_eq!(PersonCategory::parse("留守妇女").unwrap(), PersonCategory::LeftBehind);
        let vulnerable: Vec<_> = PersonCategory::ALL.into_iter().filter(|c| c.is_vulnerable()).collect();
        assert_eq!(vulnerable, PersonCategory::ALL[..5]);
    }

    #[test]
    fn category_lists_split_dedupe_and_order() {
        let list = PersonCategory::parse_list("留守、困难，残疾 ,新业态；困难;single_mother　大病").unwrap();
        assert_eq!(
            list,
            [
                PersonCategory::Hardship,
                PersonCategory::LeftBehind,
                PersonCategory::Disability,
                PersonCategory::SingleMother,
                PersonCategory::SeriousIllness,
                PersonCategory::GigWorker
            ]
        );
        assert_eq!(PersonCategory::parse_list("  ").unwrap(), []);
        assert_eq!(PersonCategory::join_labels(&list[..2]), "困难、留守");
        let round = PersonCategory::parse_list(&PersonCategory::join_labels(&PersonCategory::ALL)).unwrap();
        assert_eq!(round, PersonCategory::ALL);
    }

    #[test]
    fn category_messages_name_the_unknown_words() {
        let err = PersonCategory::parse_list("困难、低保、退役、低保").unwrap_err();
        let message = err.message_for("categories").unwrap();
        assert!(message.starts_with("未知的人员类别「低保」、「退役」，可填："), "{message}");
        assert_eq!(message.matches("低保").count(), 1);
        assert!(PersonCategory::parse("军属").unwrap_err().summary().contains("「军属」"));
        assert_eq!(PersonCategory::parse("").unwrap_err().message_for("categories"), Some("请填写人员类别"));
    }

    // --- Names ---

    #[test]
    fn names() {
        assert_eq!(validate_person_name(" 张三 ").unwrap(), "张三");
        assert_eq!(validate_person_name("买买提·吐尔逊").unwrap(), "买买提·吐尔逊");
        assert_eq!(validate_person_name("买买提•吐尔逊").unwrap(), "买买提·吐尔逊");
        assert_eq!(validate_person_name("Anna  Müller").unwrap(), "Anna Müller");
        assert_eq!(validate_person_name("王𠇔").unwrap(), "王𠇔");
        let err = |s: &str| validate_person_name(s).unwrap_err().message_for("name").unwrap().to_owned();
        assert_eq!(err("  "), "请填写姓名");
        assert!(err("张").contains("2–30"));
        assert!(err(&"张".repeat(31)).contains("2–30"));
        assert!(validate_person_name(&"张".repeat(30)).is_ok());
        assert!(err("张3").contains("不能有「3」"));
        assert!(err("张_三").contains("不能有「_」"));
        assert!(err("·张三").contains("间隔号"));
        assert!(err("张··三").contains("间隔号"));
    }

    // --- Risk levels ---

    #[test]
    fn risk_levels() {
        assert_eq!(RiskLevel::parse("high").unwrap().default_visit_interval_days(), 30);
        assert_eq!(RiskLevel::parse("中").unwrap().default_visit_interval_days(), 90);
        assert_eq!(RiskLevel::parse("低风险").unwrap().default_visit_interval_days(), 182);
        assert_eq!(RiskLevel::parse("x").unwrap_err().message_for("risk_level"), Some("风险等级应为 高、中、低 之一"));
        for r in RiskLevel::ALL {
            assert_eq!(RiskLevel::parse(r.label()).unwrap(), r);
        }
    }

    // --- Screening ---

    #[test]
    fn screening_vocabularies() {
        for k in ScreeningKind::ALL {
            assert_eq!(ScreeningKind::parse(k.code()).unwrap(), k);
            assert_eq!(ScreeningKind::parse(k.label()).unwrap(), k);
        }
        assert_eq!(ScreeningKind::parse("乳腺").unwrap(), ScreeningKind::Breast);
        assert_eq!(ScreeningKind::parse("宫颈癌筛查").unwrap(), ScreeningKind::Cervical);
        assert_eq!(ScreeningKind::parse("肺癌").unwrap_err().message_for("kind"), Some("筛查类别应为 宫颈癌 或 乳腺癌"));
        for r in ScreeningResult::ALL {
            assert_eq!(ScreeningResult::parse(r.code()).unwrap(), r);
            assert_eq!(ScreeningResult::parse(r.label()).unwrap(), r);
        }
        assert_eq!(ScreeningResult::parse("正常").unwrap(), ScreeningResult::Normal);
        assert_eq!(ScreeningResult::parse("阳性").unwrap_err().message_for("result"), Some("筛查结果应为 未见异常、异常、可疑 之一"));
        assert!(!ScreeningResult::Normal.needs_follow_up());
        assert!(ScreeningResult::Abnormal.needs_follow_up() && ScreeningResult::Suspected.needs_follow_up());
    }

    #[test]
    fn statistical_year_turns_on_1_april() {
        assert_eq!(statistical_year(d("2025-03-31")), 2024);
        assert_eq!(statistical_year(d("2025-04-01")), 2025);
        assert_eq!(statistical_year(d("2025-01-01")), 2024);
        assert_eq!(statistical_year(d("2024-12-31")), 2024);
        assert_eq!(statistical_year(d("2024-02-29")), 2023);
        assert_eq!(statistical_year(d("2028-02-29")), 2027);
        assert_eq!(statistical_year_bounds(2023), Some((d("2023-04-01"), d("2024-03-31"))));
    }

    #[test]
    fn screening_age_is_35_to_64_inclusive() {
        let born = d("1990-06-15");
        assert!(!screening_eligible(born, d("2025-06-14")));
        assert!(screening_eligible(born, d("2025-06-15")));
        assert!(screening_eligible(born, d("2055-06-14")));
        assert!(!screening_eligible(born, d("2055-06-15")));
        // Leap-day birthdays: a year older on 1 March of common years.
        let leap = d("1988-02-29");
        assert!(!screening_eligible(leap, d("2023-02-28")));
        assert!(screening_eligible(leap, d("2023-03-01")));
        assert!(screening_eligible(leap, d("2053-02-28")));
        assert!(!screening_eligible(leap, d("2053-03-01")));
    }

    proptest! {
        #[test]
        fn every_day_lies_in_its_statistical_year(n in 0i64..60_000) {
            let day = d("1950-01-01") + Duration::days(n);
            let (first, last) = statistical_year_bounds(statistical_year(day)).unwrap();
            prop_assert!(first <= day && day <= last);
            prop_assert_eq!(last - first + Duration::days(1), Duration::days(if NaiveDate::from_ymd_opt(first.year() + 1, 2, 29).is_some() { 366 } else { 365 }));
        }
    }
}
