//! The organisation network: federations over the region tree and in new domains, their terms
//! (换届) and executive members, women's homes with their standardisation checklist, and
//! activities (any organised event).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Invalid, Level};

/// What a federation is. Region federations (one per node of the city's region tree) carry the
/// level of their region; new-domain federations sit under a region but outside the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FederationKind {
    /// 市妇联 / 县妇联 / 镇(街道)妇联 / 村(社区)妇联.
    Region,
    /// 行业妇联.
    Industry,
    /// 区域妇联.
    Area,
    /// 园区妇联.
    Park,
    /// 企业女职委.
    Enterprise,
    /// 社会组织妇联.
    SocialOrg,
    /// 新就业群体 (gig platform) federations, e.g. of delivery riders.
    GigPlatform,
}

impl FederationKind {
    pub const ALL: [FederationKind; 7] = [
        FederationKind::Region,
        FederationKind::Industry,
        FederationKind::Area,
        FederationKind::Park,
        FederationKind::Enterprise,
        FederationKind::SocialOrg,
        FederationKind::GigPlatform,
    ];

    pub const NEW_DOMAIN: [FederationKind; 6] = [
        FederationKind::Industry,
        FederationKind::Area,
        FederationKind::Park,
        FederationKind::Enterprise,
        FederationKind::SocialOrg,
        FederationKind::GigPlatform,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FederationKind::Region => "region",
            FederationKind::Industry => "industry",
            FederationKind::Area => "area",
            FederationKind::Park => "park",
            FederationKind::Enterprise => "enterprise",
            FederationKind::SocialOrg => "social_org",
            FederationKind::GigPlatform => "gig_platform",
        }
    }

    pub fn parse(code: &str) -> Option<FederationKind> {
        FederationKind::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    /// Parses a new-domain kind, as the create form and API take it.
    pub fn parse_new_domain(code: &str) -> Result<FederationKind, Invalid> {
        match FederationKind::parse(code) {
            Some(kind) if kind.is_new_domain() => Ok(kind),
            _ => Err(Invalid::field(
                "kind",
                "妇联类型应为 industry(行业)、area(区域)、park(园区)、enterprise(企业)、social_org(社会组织)、gig_platform(新就业群体) 之一",
            )),
        }
    }

    pub fn is_new_domain(self) -> bool {
        self != FederationKind::Region
    }

    pub fn label(self) -> &'static str {
        match self {
            FederationKind::Region => "区域妇联",
            FederationKind::Industry => "行业妇联",
            FederationKind::Area => "区域性妇联",
            FederationKind::Park => "园区妇联",
            FederationKind::Enterprise => "企业女职委",
            FederationKind::SocialOrg => "社会组织妇联",
            FederationKind::GigPlatform => "新就业群体妇联",
        }
    }
}

/// The name a region federation takes from its region's name and level.
pub fn region_federation_name(region_name: &str, level: Level) -> String {
    let base = match level {
        Level::Village => region_name
            .trim_end_matches("居民委员会")
            .trim_end_matches("村民委员会")
            .trim_end_matches("委员会")
            .trim_end_matches("居委会")
            .trim_end_matches("村委会"),
        _ => region_name,
    };
    let base = if base.is_empty() { region_name } else { base };
    let suffix = if level == Level::Village { "妇联" } else { "妇女联合会" };
    format!("{base}{suffix}")
}

/// Where a federation stands with its term (换届) on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermStatus {
    /// In office, the term end more than the notice window away.
    Current,
    /// The term ends within the notice window: renewal is due.
    Due,
    /// The term has ended and no new term was recorded.
    Overdue,
    /// No term was ever recorded.
    None,
}

/// A term renewal becomes due this many days before the term ends.
pub const TERM_DUE_WINDOW_DAYS: i64 = 180;

/// Federations' terms last five years (村、社区妇联 with the village committees).
pub const TERM_YEARS: i32 = 5;

impl TermStatus {
    /// The status on `day` of a federation whose latest term ends on `term_end`.
    pub fn on(day: NaiveDate, term_end: Option<NaiveDate>) -> TermStatus {
        match term_end {
            None => TermStatus::None,
            Some(end) if end < day => TermStatus::Overdue,
            Some(end) if end - day <= Duration::days(TERM_DUE_WINDOW_DAYS) => TermStatus::Due,
            Some(_) => TermStatus::Current,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            TermStatus::Current => "current",
            TermStatus::Due => "due",
            TermStatus::Overdue => "overdue",
            TermStatus::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TermStatus::Current => "任期内",
            TermStatus::Due => "应换届",
            TermStatus::Overdue => "逾期未换届",
            TermStatus::None => "无届次记录",
        }
    }
}

/// Checks a term's dates: the end after the start, and a term of at most six years.
pub fn validate_term(start: NaiveDate, end: NaiveDate) -> Result<(), Invalid> {
    if end <= start {
        return Err(Invalid::field("end", "届期结束日期应晚于开始日期"));
    }
    if (end - start).num_days() > 6 * 366 {
        return Err(Invalid::field("end", "一届任期不应超过六年"));
    }
    Ok(())
}

/// The items of the women's home standardisation checklist. A home is standardised when every
/// item holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeCheckItem {
    Premises,
    Sign,
    Rules,
    Keeper,
    Activities,
    Records,
}

impl HomeCheckItem {
    pub const ALL: [HomeCheckItem; 6] = [
        HomeCheckItem::Premises,
        HomeCheckItem::Sign,
        HomeCheckItem::Rules,
        HomeCheckItem::Keeper,
        HomeCheckItem::Activities,
        HomeCheckItem::Records,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HomeCheckItem::Premises => "premises",
            HomeCheckItem::Sign => "sign",
            HomeCheckItem::Rules => "rules",
            HomeCheckItem::Keeper => "keeper",
            HomeCheckItem::Activities => "activities",
            HomeCheckItem::Records => "records",
        }
    }

    pub fn parse(code: &str) -> Option<HomeCheckItem> {
        HomeCheckItem::ALL.into_iter().find(|i| i.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            HomeCheckItem::Premises => "有固定活动场所",
            HomeCheckItem::Sign => "有统一标识牌",
            HomeCheckItem::Rules => "工作制度上墙",
            HomeCheckItem::Keeper => "有专人负责",
            HomeCheckItem::Activities => "定期开展活动",
            HomeCheckItem::Records => "工作台账完整",
        }
    }
}

/// The kind of an organised event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityCategory {
    /// 思想引领 / 巾帼心向党.
    Political,
    Culture,
    FamilyEducation,
    Training,
    Roadshow,
    Volunteer,
    Other,
}

impl ActivityCategory {
    pub const ALL: [ActivityCategory; 7] = [
        ActivityCategory::Political,
        ActivityCategory::Culture,
        ActivityCategory::FamilyEducation,
        ActivityCategory::Training,
        ActivityCategory::Roadshow,
        ActivityCategory::Volunteer,
        ActivityCategory::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActivityCategory::Political => "political",
            ActivityCategory::Culture => "culture",
            ActivityCategory::FamilyEducation => "family_education",
            ActivityCategory::Training => "training",
            ActivityCategory::Roadshow => "roadshow",
            ActivityCategory::Volunteer => "volunteer",
            ActivityCategory::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<ActivityCategory> {
        ActivityCategory::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityCategory::Political => "思想引领(巾帼心向党)",
            ActivityCategory::Culture => "文化",
            ActivityCategory::FamilyEducation => "家庭教育",
            ActivityCategory::Training => "培训",
            ActivityCategory::Roadshow => "巡讲",
            ActivityCategory::Volunteer => "志愿服务",
            ActivityCategory::Other => "其他",
        }
    }
}

/// Checks a name-like text: trimmed, not empty, at most `max` characters.
pub fn validate_name(field: &str, label: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::field(field, format!("请填写{label}")));
    }
    if v.chars().count() > max {
        return Err(Invalid::field(field, format!("{label}不能超过 {max} 个字")));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Invalid::field(field, format!("{label}含有不可见的控制字符")));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn term_status_follows_the_end_date() {
        let end = Some(d("2026-06-30"));
        assert_eq!(TermStatus::on(d("2025-06-30"), end), TermStatus::Current);
        assert_eq!(TermStatus::on(d("2026-01-15"), end), TermStatus::Due);
        assert_eq!(TermStatus::on(d("2026-06-30"), end), TermStatus::Due);
        assert_eq!(TermStatus::on(d("2026-07-01"), end), TermStatus::Overdue);
        assert_eq!(TermStatus::on(d("2026-07-01"), None), TermStatus::None);
    }

    #[test]
    fn term_dates_are_checked() {
        assert!(validate_term(d("2021-07-01"), d("2026-06-30")).is_ok());
        assert!(validate_term(d("2021-07-01"), d("2021-07-01")).is_err());
        assert!(validate_term(d("2021-07-01"), d("2031-07-01")).is_err());
    }

    #[test]
    fn region_federation_names_read_naturally() {
        assert_eq!(region_federation_name("宜昌市", Level::City), "宜昌市妇女联合会");
        assert_eq!(region_federation_name("土街头社区居民委员会", Level::Village), "土街头社区妇联");
        assert_eq!(region_federation_name("许家冲村村民委员会", Level::Village), "许家冲村妇联");
    }

    #[test]
    fn new_domain_kind_rejects_region_and_unknown() {
        assert!(FederationKind::parse_new_domain("gig_platform").is_ok());
        assert!(FederationKind::parse_new_domain("region").is_err());
        let err = FederationKind::parse_new_domain("club").unwrap_err();
        assert!(err.summary().contains("妇联类型"));
    }
}
