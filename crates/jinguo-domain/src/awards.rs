//! Family award campaigns (评选): the kinds of award, the timetable of a campaign and the stage a
//! nomination has reached in the review town → county → city, the public vote's weight and the
//! composite score, and the photos a nomination may carry (checked by their magic bytes).
//!
//! No I/O and no clock: "today" is passed in. Records, quotas and roll-ups live in the store and
//! app layers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Invalid, Level};

/// The kind of an award. The six the federation runs every year, and one the city defines with
/// its own name (the campaign keeps that name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardKind {
    /// 文明家庭.
    Civilised,
    /// 最美家庭.
    MostBeautiful,
    /// 廉洁家庭.
    Integrity,
    /// 好婆婆.
    GoodMotherInLaw,
    /// 好媳妇.
    GoodDaughterInLaw,
    /// 巾帼科技之星.
    ScienceStar,
    /// One the city defines (its name is the campaign's `kind_name`).
    Custom,
}

impl AwardKind {
    pub const ALL: [AwardKind; 7] = [
        AwardKind::Civilised,
        AwardKind::MostBeautiful,
        AwardKind::Integrity,
        AwardKind::GoodMotherInLaw,
        AwardKind::GoodDaughterInLaw,
        AwardKind::ScienceStar,
        AwardKind::Custom,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AwardKind::Civilised => "civilised",
            AwardKind::MostBeautiful => "most_beautiful",
            AwardKind::Integrity => "integrity",
            AwardKind::GoodMotherInLaw => "good_mother_in_law",
            AwardKind::GoodDaughterInLaw => "good_daughter_in_law",
            AwardKind::ScienceStar => "science_star",
            AwardKind::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AwardKind::Civilised => "文明家庭",
            AwardKind::MostBeautiful => "最美家庭",
            AwardKind::Integrity => "廉洁家庭",
            AwardKind::GoodMotherInLaw => "好婆婆",
            AwardKind::GoodDaughterInLaw => "好媳妇",
            AwardKind::ScienceStar => "巾帼科技之星",
            AwardKind::Custom => "其他(市定)",
        }
    }

    /// Whether the honour names a person of the family (好婆婆, 好媳妇, 巾帼科技之星).
    pub fn for_person(self) -> bool {
        matches!(self, AwardKind::GoodMotherInLaw | AwardKind::GoodDaughterInLaw | AwardKind::ScienceStar)
    }

    /// By code or label.
    pub fn parse(s: &str) -> Result<AwardKind, Invalid> {
        let w = s.trim();
        AwardKind::ALL.into_iter().find(|k| k.code() == w.to_ascii_lowercase() || k.label() == w).ok_or_else(|| {
            Invalid::field("kind", "评选类别应为 文明家庭、最美家庭、廉洁家庭、好婆婆、好媳妇、巾帼科技之星 之一，或市里自定的类别(custom)")
        })
    }
}

/// The level of an honour: the city's campaigns give city honours; province and national
/// honours are recorded by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HonourLevel {
    City,
    Province,
    National,
}

impl HonourLevel {
    pub const ALL: [HonourLevel; 3] = [HonourLevel::City, HonourLevel::Province, HonourLevel::National];

    pub fn code(self) -> &'static str {
        match self {
            HonourLevel::City => "city",
            HonourLevel::Province => "province",
            HonourLevel::National => "national",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HonourLevel::City => "市级",
            HonourLevel::Province => "省级",
            HonourLevel::National => "全国",
        }
    }

    pub fn parse(s: &str) -> Result<HonourLevel, Invalid> {
        let w = s.trim();
        HonourLevel::ALL
            .into_iter()
            .find(|l| l.code() == w.to_ascii_lowercase() || l.label() == w)
            .ok_or_else(|| Invalid::field("level", "荣誉级别应为 市级、省级、全国 之一"))
    }
}

/// Who put a nomination forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationSource {
    /// A village or town federation (staff).
    Federation,
    /// Someone else (a neighbour, a work unit), recorded by staff.
    ThirdParty,
    /// The family itself, from the public page (a public account).
    SelfNominated,
}

impl NominationSource {
    pub const ALL: [NominationSource; 3] = [NominationSource::Federation, NominationSource::ThirdParty, NominationSource::SelfNominated];

    pub fn code(self) -> &'static str {
        match self {
            NominationSource::Federation => "federation",
            NominationSource::ThirdParty => "third_party",
            NominationSource::SelfNominated => "self",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NominationSource::Federation => "妇联推荐",
            NominationSource::ThirdParty => "他人推荐",
            NominationSource::SelfNominated => "自荐",
        }
    }

    pub fn parse(s: &str) -> Result<NominationSource, Invalid> {
        let w = s.trim();
        NominationSource::ALL
            .into_iter()
            .find(|k| k.code() == w || k.label() == w)
            .ok_or_else(|| Invalid::field("source", "推荐方式应为 妇联推荐、他人推荐、自荐 之一"))
    }
}

/// Where a nomination stands. Approvals move it up one level; sending back returns it to the
/// nominator with a reason (it may be resubmitted); an upheld objection withdraws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the town federation.
    Submitted,
    /// Approved by the town, waiting for the county.
    TownApproved,
    /// Approved by the county, waiting for the city.
    CountyApproved,
    /// Chosen by the city: on the public notice, an honour once the campaign is finalised.
    CityApproved,
    /// Sent back with a reason.
    Returned,
    /// Withdrawn after an objection was upheld.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 6] =
        [Stage::Submitted, Stage::TownApproved, Stage::CountyApproved, Stage::CityApproved, Stage::Returned, Stage::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::TownApproved => "town_approved",
            Stage::CountyApproved => "county_approved",
            Stage::CityApproved => "city_approved",
            Stage::Returned => "returned",
            Stage::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Submitted => "待镇(街道)审核",
            Stage::TownApproved => "待县(区)审核",
            Stage::CountyApproved => "待市级审核",
            Stage::CityApproved => "市级通过",
            Stage::Returned => "已退回",
            Stage::Withdrawn => "已撤销",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    /// The level that reviews a nomination at this stage.
    pub fn reviewing_level(self) -> Option<Level> {
        match self {
            Stage::Submitted => Some(Level::Town),
            Stage::TownApproved => Some(Level::County),
            Stage::CountyApproved => Some(Level::City),
            _ => None,
        }
    }

    /// The stage after an approval at this stage.
    pub fn approved(self) -> Option<Stage> {
        match self {
            Stage::Submitted => Some(Stage::TownApproved),
            Stage::TownApproved => Some(Stage::CountyApproved),
            Stage::CountyApproved => Some(Stage::CityApproved),
            _ => None,
        }
    }

    /// The levels whose places (quota) this stage holds: an approval at a level takes one of
    /// that level's places for the nominee's county until the nomination is sent back or
    /// withdrawn.
    pub fn places_held(self) -> &'static [Level] {
        match self {
            Stage::TownApproved => &[Level::Town],
            Stage::CountyApproved => &[Level::Town, Level::County],
            Stage::CityApproved => &[Level::Town, Level::County, Level::City],
            _ => &[],
        }
    }
}

/// The label of a review level in messages: 镇(街道)级, 县(区)级, 市级.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Town => "镇(街道)级",
        Level::County => "县(区)级",
        Level::City => "市级",
        _ => "",
    }
}

/// The timetable of a campaign: each stage only in its window (inclusive days). The notice
/// window is fixed when the list is published: `notice_days` from that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    pub nominate_from: NaiveDate,
    pub nominate_to: NaiveDate,
    pub review_from: NaiveDate,
    pub review_to: NaiveDate,
    pub vote: Option<(NaiveDate, NaiveDate)>,
    /// The earliest day the list may be published.
    pub notice_from: NaiveDate,
    pub notice_days: i64,
}

/// The default length of a public notice (公示), in days.
pub const DEFAULT_NOTICE_DAYS: i64 = 7;

impl Timetable {
    /// Checks that each window is in order and the stages follow one another.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::new();
        if self.nominate_from > self.nominate_to {
            inv.add("nominate_to", "推荐截止日期不能早于推荐开始日期");
        }
        if self.review_from > self.review_to {
            inv.add("review_to", "审核截止日期不能早于审核开始日期");
        }
        if self.review_from < self.nominate_from {
            inv.add("review_from", "审核开始日期不能早于推荐开始日期");
        }
        if let Some((a, b)) = self.vote {
            if a > b {
                inv.add("vote_to", "投票截止日期不能早于投票开始日期");
            }
            if a < self.nominate_from {
                inv.add("vote_from", "投票开始日期不能早于推荐开始日期");
            }
        }
        if self.notice_from <= self.review_to {
            inv.add("notice_from", "公示开始日期应晚于审核截止日期");
        }
        if !(1..=60).contains(&self.notice_days) {
            inv.add("notice_days", "公示天数应为 1 到 60 天");
        }
        inv.into_result()
    }
}

/// Why a stage is closed on `today`, as the message the user reads; None when it is open.
pub fn window_closed(what: &str, from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Option<String> {
    if today < from {
        Some(format!("{what}尚未开始（{from} 至 {to}），请在此期间办理"))
    } else if today > to {
        Some(format!("{what}已于 {to} 结束（{from} 至 {to}），不能再办理"))
    } else {
        None
    }
}

/// The last day of a notice published on `start` for `days` days.
pub fn notice_end(start: NaiveDate, days: i64) -> NaiveDate {
    start + chrono::Duration::days(days.max(1) - 1)
}

/// The composite score of a nominee, in tenths of a point (0..=1000): the panel's score (0–100)
/// weighted `100 − vote_weight` %, and the share of the leading nominee's counted votes weighted
/// `vote_weight` %. Without a vote the score is the panel's.
pub fn composite_score(panel: Option<i64>, votes: i64, max_votes: i64, vote_weight: i64) -> i64 {
    let panel = panel.unwrap_or(0).clamp(0, 100) * 10;
    let w = vote_weight.clamp(0, 100);
    let vote = if max_votes > 0 { votes.clamp(0, max_votes) * 1000 / max_votes } else { 0 };
    (panel * (100 - w) + vote * w) / 100
}

/// The image types a nomination photo may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
    pub fn mime(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
            PhotoType::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "jpg",
            PhotoType::Png => "png",
            PhotoType::Webp => "webp",
        }
    }

    pub fn from_mime(s: &str) -> Option<PhotoType> {
        [PhotoType::Jpeg, PhotoType::Png, PhotoType::Webp].into_iter().find(|t| t.mime() == s)
    }
}

/// The largest photo accepted: 5 MB.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// The most photos one nomination may carry.
pub const MAX_PHOTOS: usize = 6;

/// The type of a photo from its first bytes (never from its name or the type the browser
/// claims), and its size checked.
pub fn check_photo(name: &str, bytes: &[u8]) -> Result<PhotoType, Invalid> {
    let shown = if name.trim().is_empty() { "照片".to_owned() } else { format!("照片“{}”", name.trim()) };
    if bytes.is_empty() {
        return Err(Invalid::field("photos", format!("{shown}是空文件")));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(Invalid::field("photos", format!("{shown}超过 5 MB，请压缩后再上传")));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(PhotoType::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok(PhotoType::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(PhotoType::Webp)
    } else {
        Err(Invalid::field("photos", format!("{shown}不是 JPEG、PNG 或 WebP 图片")))
    }
}

/// Votes: at most this many per account in any minute (across nominees).
pub const VOTES_PER_MINUTE: i64 = 10;
/// A burst: more than this many votes for one nominee within [`BURST_MINUTES`] from one IP
/// address, or from accounts registered less than a day before, flags the vote.
pub const BURST_VOTES: i64 = 20;
pub const BURST_MINUTES: i64 = 10;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn kinds_by_code_and_label() {
        for k in AwardKind::ALL {
            assert_eq!(AwardKind::parse(k.code()).unwrap(), k);
            assert_eq!(AwardKind::parse(k.label()).unwrap(), k);
        }
        assert!(AwardKind::parse("好邻居").unwrap_err().summary().contains("文明家庭"));
        assert!(AwardKind::GoodMotherInLaw.for_person());
        assert!(!AwardKind::Civilised.for_person());
        assert_eq!(HonourLevel::parse("省级").unwrap(), HonourLevel::Province);
        assert!(HonourLevel::parse("县级").is_err());
    }

    #[test]
    fn stages_climb_town_county_city_and_hold_places() {
        let mut s = Stage::Submitted;
        let mut levels = Vec::new();
        while let Some(l) = s.reviewing_level() {
            levels.push(l);
            s = s.approved().unwrap();
        }
        assert_eq!(levels, vec![Level::Town, Level::County, Level::City]);
        assert_eq!(s, Stage::CityApproved);
        assert_eq!(Stage::CityApproved.places_held().len(), 3);
        assert!(Stage::Returned.places_held().is_empty());
        assert_eq!(Stage::parse("county_approved"), Some(Stage::CountyApproved));
    }

    #[test]
    fn timetables_in_order() {
        let t = Timetable {
            nominate_from: d("2026-03-01"),
            nominate_to: d("2026-03-31"),
            review_from: d("2026-03-05"),
            review_to: d("2026-04-30"),
            vote: Some((d("2026-04-01"), d("2026-04-15"))),
            notice_from: d("2026-05-01"),
            notice_days: DEFAULT_NOTICE_DAYS,
        };
        assert!(t.check().is_ok());
        let bad = Timetable { notice_from: d("2026-04-30"), nominate_to: d("2026-02-01"), notice_days: 0, ..t };
        let e = bad.check().unwrap_err();
        assert!(e.message_for("notice_from").is_some() && e.message_for("nominate_to").is_some());
        assert!(e.message_for("notice_days").is_some());
        assert_eq!(notice_end(d("2026-05-01"), 7), d("2026-05-07"));
    }

    #[test]
    fn windows_say_when_they_open_or_closed() {
        let (a, b) = (d("2026-04-01"), d("2026-04-15"));
        assert!(window_closed("投票", a, b, d("2026-04-01")).is_none());
        assert!(window_closed("投票", a, b, d("2026-04-15")).is_none());
        assert!(window_closed("投票", a, b, d("2026-03-31")).unwrap().contains("尚未开始"));
        assert!(window_closed("投票", a, b, d("2026-04-16")).unwrap().contains("已于 2026-04-15 结束"));
    }

    #[test]
    fn composite_weighs_panel_and_votes() {
        assert_eq!(composite_score(Some(90), 0, 0, 0), 900);
        assert_eq!(composite_score(Some(80), 50, 100, 30), (800 * 70 + 500 * 30) / 100);
        assert_eq!(composite_score(None, 100, 100, 30), 300);
        assert_eq!(composite_score(Some(200), 5, 1, 100), 1000);
    }

    #[test]
    fn photos_are_known_by_their_first_bytes() {
        assert_eq!(check_photo("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).unwrap(), PhotoType::Jpeg);
        assert_eq!(check_photo("b", b"\x89PNG\r\n\x1a\n....").unwrap(), PhotoType::Png);
        assert_eq!(check_photo("c", b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), PhotoType::Webp);
        assert!(check_photo("x.jpg", b"GIF89a....").unwrap_err().summary().contains("不是 JPEG"));
        assert!(check_photo("e", b"").unwrap_err().summary().contains("空文件"));
        let big = vec![0xFFu8; MAX_PHOTO_BYTES + 1];
        assert!(check_photo("big.jpg", &big).unwrap_err().summary().contains("5 MB"));
    }
}
