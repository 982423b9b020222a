//! Region codes: the spine of every record (DESIGN.md principle 1).
//!
//! A code is the NBS statistical division code. Its short form has 2, 4, 6, 9 or 12 digits for
//! province, city, county, town and village; padded with zeros to 12 digits it is the national
//! standard form, which is what storage keeps. A region's subtree is the prefix range of its
//! short form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The five levels of the division tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Province, Level::City, Level::County, Level::Town, Level::Village];

    /// Digits of the short code at this level.
    pub fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Town => 9,
            Level::Village => 12,
        }
    }

    pub fn from_digits(digits: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.digits() == digits)
    }

    /// Stored as a small integer: 1 (province) … 5 (village).
    pub fn rank(self) -> i64 {
        match self {
            Level::Province => 1,
            Level::City => 2,
            Level::County => 3,
            Level::Town => 4,
            Level::Village => 5,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.rank() == rank)
    }

    pub fn parent(self) -> Option<Level> {
        Level::from_rank(self.rank() - 1)
    }

    pub fn child(self) -> Option<Level> {
        Level::from_rank(self.rank() + 1)
    }

    /// The Chinese word for the level, as the federation says it.
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县(区)",
            Level::Town => "镇(街道)",
            Level::Village => "村(社区)",
        }
    }

    pub fn code_name(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Village => "village",
        }
    }
}

/// A valid region code. Built only by parsing, so the rest of the code never re-checks it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode {
    short: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("区划代码不能为空")]
    Empty,
    #[error("区划代码只能由数字组成：{0}")]
    NotDigits(String),
    #[error("区划代码应为 2、4、6、9 或 12 位数字：{0}")]
    Length(String),
    #[error("区划代码各级段不能为全零：{0}")]
    ZeroSegment(String),
}

impl RegionCode {
    /// Parses a short code (2/4/6/9/12 digits) or the 12-digit padded form of any level.
    ///
    /// A few prefecture-level cities have no counties (东莞市 4419, 中山市 4420, 儋州市 4604):
    /// the NBS files list them again at county level as `441900`, and their towns carry a zero
    /// county segment (`441900003`). Such a county code is the city itself, so `441900` parses
    /// to `4419`, and a town's parent skips the empty county level.
    pub fn parse(input: &str) -> Result<RegionCode, RegionCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(RegionCodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::NotDigits(s.to_owned()));
        }
        let mut short = if s.len() == 12 { Self::shorten(s) } else { s };
        if Level::from_digits(short.len()).is_none() {
            return Err(RegionCodeError::Length(s.to_owned()));
        }
        if short.len() == 6 && &short[4..6] == "00" {
            short = &short[..4];
        }
        let zero = |a: usize, b: usize| short.len() >= b && short[a..b].bytes().all(|c| c == b'0');
        // The county segment may be empty only below a city without counties (then the town
        // segment is not); every other segment present must be non-zero.
        if zero(0, 2) || zero(2, 4) || zero(6, 9) || zero(9, 12) || (zero(4, 6) && short.len() < 9) {
            return Err(RegionCodeError::ZeroSegment(s.to_owned()));
        }
        Ok(RegionCode { short: short.to_owned() })
    }

    /// Strips the zero padding of a 12-digit code back to the short form of its level.
    fn shorten(padded: &str) -> &str {
        for level in [Level::Province, Level::City, Level::County, Level::Town] {
            if padded[level.digits()..].bytes().all(|b| b == b'0') {
                return &padded[..level.digits()];
            }
        }
        padded
    }

    pub fn level(&self) -> Level {
        // The length was checked at parse time.
        Level::from_digits(self.short.len()).unwrap_or(Level::Village)
    }

    /// The short form, e.g. `420502`.
    pub fn short(&self) -> &str {
        &self.short
    }

    /// The 12-digit form, e.g. `420502000000`: what storage keeps.
    pub fn padded(&self) -> String {
        format!("{:0<12}", self.short)
    }

    /// The prefix of this code at `level`, unless that level's segment is empty (a city
    /// without counties).
    fn prefix_at(&self, level: Level) -> Option<RegionCode> {
        let end = level.digits();
        if end > self.short.len() {
            return None;
        }
        let start = level.parent().map(Level::digits).unwrap_or(0);
        if self.short[start..end].bytes().all(|b| b == b'0') {
            return None;
        }
        Some(RegionCode { short: self.short[..end].to_owned() })
    }

    pub fn parent(&self) -> Option<RegionCode> {
        let mut level = self.level().parent()?;
        loop {
            if let Some(p) = self.prefix_at(level) {
                return Some(p);
            }
            level = level.parent()?;
        }
    }

    /// This code and every ancestor, from the province down to itself.
    pub fn lineage(&self) -> Vec<RegionCode> {
        Level::ALL.into_iter().filter_map(|l| self.prefix_at(l)).collect()
    }

    /// True when `other` is this region or lies below it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.short.starts_with(&self.short)
    }

    /// The inclusive range of padded codes this subtree covers: `(prefix000…, prefix999…)`.
    /// Both bounds are 12 digits, so every database collation orders them the same way.
    pub fn subtree_range(&self) -> (String, String) {
        (format!("{:0<12}", self.short), format!("{:9<12}", self.short))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short)
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.short)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_short_and_padded_forms_of_every_level() {
        let cases = [
            ("42", Level::Province),
            ("4205", Level::City),
            ("420502", Level::County),
            ("420502001", Level::Town),
            ("420502001001", Level::Village),
            ("420500000000", Level::City),
            ("420502001000", Level::Town),
        ];
        for (input, level) in cases {
            let code = RegionCode::parse(input).unwrap();
            assert_eq!(code.level(), level, "{input}");
        }
        assert_eq!(RegionCode::parse("420500000000").unwrap().short(), "4205");
        assert_eq!(RegionCode::parse("4205").unwrap().padded(), "420500000000");
    }

    #[test]
    fn rejects_bad_codes_with_a_chinese_reason() {
        for bad in ["", "42a5", "420", "42050", "4200", "000000000000", "4205000", "420502000001"] {
            let err = RegionCode::parse(bad).unwrap_err();
            assert!(err.to_string().contains("区划代码"), "{bad}: {err}");
        }
    }

    #[test]
    fn cities_without_counties_keep_one_code() {
        // 东莞市: listed as city 4419 and again as "county" 441900; its towns are 441900xxx.
        let twin = RegionCode::parse("441900").unwrap();
        assert_eq!((twin.short(), twin.level()), ("4419", Level::City));
        let town = RegionCode::parse("441900003").unwrap();
        assert_eq!(town.level(), Level::Town);
        assert_eq!(town.parent().unwrap().short(), "4419");
        let lineage: Vec<String> = town.lineage().iter().map(|c| c.short().to_owned()).collect();
        assert_eq!(lineage, ["44", "4419", "441900003"]);
        assert!(twin.contains(&town));
        assert_eq!(RegionCode::parse("441900003000").unwrap(), town);
        let village = RegionCode::parse("441900003001").unwrap();
        assert_eq!(village.parent().unwrap(), town);
        // Other empty segments are still refused.
        for bad in ["440019", "441900000001", "4419000"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subtree_range_covers_descendants_only() {
        let county = RegionCode::parse("420509").unwrap();
        let (low, high) = county.subtree_range();
        let inside = |c: &str| c >= low.as_str() && c <= high.as_str();
        assert!(inside("420509001001"));
        assert!(inside("420509000000"));
        assert!(!inside("420510000000"));
        assert!(!inside("420508999999"));
    }

    #[test]
    fn lineage_and_parent() {
        let v = RegionCode::parse("420502001001").unwrap();
        let names: Vec<String> = v.lineage().iter().map(|c| c.short().to_owned()).collect();
        assert_eq!(names, ["42", "4205", "420502", "420502001", "420502001001"]);
        assert_eq!(v.parent().unwrap().short(), "420502001");
        assert!(RegionCode::parse("42").unwrap().parent().is_none());
    }

    proptest! {
        #[test]
        fn padded_round_trips(p in 11u32..99, c in 1u32..99, k in 1u32..99, t in 1u32..999, v in 1u32..999) {
            let short = format!("{p:02}{c:02}{k:02}{t:03}{v:03}");
            for len in [2usize, 4, 6, 9, 12] {
                let code = RegionCode::parse(&short[..len]).unwrap();
                prop_assert_eq!(RegionCode::parse(&code.padded()).unwrap(), code.clone());
                let (low, high) = code.subtree_range();
                let padded = format!("{short:0<12}");
                prop_assert!(padded.as_str() >= low.as_str() && padded.as_str() <= high.as_str());
            }
        }
    }
}
