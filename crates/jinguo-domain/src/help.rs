//! One-to-one help and aid (一对一帮扶): who helps a woman (a pairing, 结对), what aid she was
//! given (救助), and the mutual-aid groups (互助小组) women form. The vocabularies here are the
//! helper kinds and aid kinds, and money: amounts are whole fen (分), parsed strictly from the
//! yuan an officer types ("1200.50"), so no figure is ever a floating-point sum.
//!
//! No I/O and no clock. Records, roll-ups and permissions live in the store and app layers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Who the helper of a pairing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperKind {
    /// 执委: a member of a federation's executive committee.
    ExecutiveMember,
    /// 志愿者.
    Volunteer,
    /// 干部: a cadre of the federation or another department.
    Cadre,
}

impl HelperKind {
    pub const ALL: [HelperKind; 3] = [HelperKind::ExecutiveMember, HelperKind::Volunteer, HelperKind::Cadre];

    pub fn code(self) -> &'static str {
        match self {
            HelperKind::ExecutiveMember => "executive_member",
            HelperKind::Volunteer => "volunteer",
            HelperKind::Cadre => "cadre",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HelperKind::ExecutiveMember => "执委",
            HelperKind::Volunteer => "志愿者",
            HelperKind::Cadre => "干部",
        }
    }

    /// By code or label; `妇联执委` is taken as 执委.
    pub fn parse(s: &str) -> Result<HelperKind, Invalid> {
        let word = s.trim();
        let code = word.to_ascii_lowercase();
        let bare = word.strip_prefix("妇联").unwrap_or(word);
        HelperKind::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == bare)
            .ok_or_else(|| Invalid::field("helper_kind", "帮扶人身份应为 执委、志愿者、干部 之一"))
    }
}

/// What an aid record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AidKind {
    /// 生活救助.
    Living,
    /// 医疗帮扶.
    Medical,
    /// 子女助学.
    Education,
    /// 其他.
    Other,
}

impl AidKind {
    pub const ALL: [AidKind; 4] = [AidKind::Living, AidKind::Medical, AidKind::Education, AidKind::Other];

    pub fn code(self) -> &'static str {
        match self {
            AidKind::Living => "living",
            AidKind::Medical => "medical",
            AidKind::Education => "education",
            AidKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AidKind::Living => "生活救助",
            AidKind::Medical => "医疗帮扶",
            AidKind::Education => "子女助学",
            AidKind::Other => "其他",
        }
    }

    /// By code or label, or the label's first two characters (`生活`, `医疗`, `助学`).
    pub fn parse(s: &str) -> Result<AidKind, Invalid> {
        let word = s.trim();
        let code = word.to_ascii_lowercase();
        AidKind::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == word || (!word.is_empty() && word.chars().count() == 2 && k.label().contains(word)))
            .ok_or_else(|| Invalid::field("kind", "救助类别应为 生活救助、医疗帮扶、子女助学、其他 之一"))
    }
}

/// The largest single aid amount accepted: ten million yuan (a typo guard, far above any real
/// grant, and far from overflowing the sums).
pub const MAX_AMOUNT_FEN: i64 = 10_000_000 * 100;

/// An amount of money in whole fen (分). Built by [`Fen::parse_yuan`] or from stored fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    /// Parses yuan as typed: `1200`, `1200.5`, `1200.50`, with an optional `元` and full-width
    /// digits; commas between thousands are accepted (`1,200.50`). Refuses a negative amount,
    /// more than two decimals, anything that is not a number, and more than [`MAX_AMOUNT_FEN`].
    /// Zero is allowed (aid in kind, recorded without a money value).
    pub fn parse_yuan(field: &str, label: &str, input: &str) -> Result<Fen, Invalid> {
        let bad = |m: String| Err(Invalid::field(field, m));
        let text: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '．' => '.',
                '，' => ',',
                '－' => '-',
                c => c,
            })
            .collect();
        let text = text.trim_end_matches('元').trim();
        if text.is_empty() {
            return bad(format!("请填写{label}"));
        }
        if text.starts_with('-') {
            return bad(format!("{label}不能为负数"));
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let whole_digits: String = whole.chars().filter(|c| *c != ',').collect();
        let commas_ok = !whole.contains(',') || {
            let groups: Vec<&str> = whole.split(',').collect();
            !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)
        };
        if whole_digits.is_empty() || !whole_digits.chars().all(|c| c.is_ascii_digit()) || !commas_ok {
            return bad(format!("{label}应为数字，以元为单位，如 1200 或 1200.50"));
        }
        let frac = frac.unwrap_or("");
        if !frac.chars().all(|c| c.is_ascii_digit()) || (text.contains('.') && frac.is_empty()) {
            return bad(format!("{label}应为数字，以元为单位，如 1200 或 1200.50"));
        }
        if frac.len() > 2 {
            return bad(format!("{label}最多保留两位小数（精确到分）"));
        }
        let too_big = || Invalid::field(field, format!("{label}不能超过 {} 元", MAX_AMOUNT_FEN / 100));
        let digits = whole_digits.trim_start_matches('0');
        if digits.len() > 12 {
            return Err(too_big());
        }
        let yuan: i64 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| too_big())? };
        let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        let fen = yuan.checked_mul(100).and_then(|y| y.checked_add(cents)).ok_or_else(too_big)?;
        if fen > MAX_AMOUNT_FEN {
            return Err(too_big());
        }
        Ok(Fen(fen))
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// The yuan with two decimals, as officers write money: `1200.50`.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", (self.0 / 100).abs(), (self.0 % 100).abs())
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fen(s: &str) -> Result<i64, String> {
        Fen::parse_yuan("amount", "金额", s).map(Fen::fen).map_err(|e| e.summary())
    }

    #[test]
    fn amounts_in_yuan_become_whole_fen() {
        assert_eq!(fen("1200"), Ok(120_000));
        assert_eq!(fen("1200.5"), Ok(120_050));
        assert_eq!(fen("1200.50"), Ok(120_050));
        assert_eq!(fen(" 0.01 "), Ok(1));
        assert_eq!(fen("0"), Ok(0));
        assert_eq!(fen("1,200.50元"), Ok(120_050));
        assert_eq!(fen("１２００．５０"), Ok(120_050));
        assert_eq!(fen("007"), Ok(700));
        assert_eq!(fen("10000000"), Ok(MAX_AMOUNT_FEN));
    }

    #[test]
    fn bad_amounts_get_chinese_messages() {
        assert_eq!(fen(""), Err("请填写金额".into()));
        assert_eq!(fen("-5"), Err("金额不能为负数".into()));
        assert_eq!(fen("1200.505"), Err("金额最多保留两位小数（精确到分）".into()));
        for bad in ["abc", "12a", "1.2.3", "1.", ".5", "1,20", "1e3", "+5", "1 200"] {
            assert!(fen(bad).unwrap_err().contains("应为数字"), "{bad}");
        }
        assert!(fen("10000000.01").unwrap_err().contains("不能超过"));
        assert!(fen("99999999999999999999999").unwrap_err().contains("不能超过"));
    }

    #[test]
    fn yuan_are_shown_with_two_decimals() {
        assert_eq!(Fen(120_050).yuan(), "1200.50");
        assert_eq!(Fen(7).to_string(), "0.07");
        assert_eq!(Fen(0).yuan(), "0.00");
        assert_eq!(Fen(-150).yuan(), "-1.50");
    }

    #[test]
    fn kinds_by_code_and_label() {
        assert_eq!(HelperKind::parse("volunteer").unwrap(), HelperKind::Volunteer);
        assert_eq!(HelperKind::parse("妇联执委").unwrap(), HelperKind::ExecutiveMember);
        assert_eq!(HelperKind::parse(" 干部 ").unwrap(), HelperKind::Cadre);
        assert!(HelperKind::parse("亲属").unwrap_err().summary().contains("执委、志愿者、干部"));
        assert_eq!(AidKind::parse("medical").unwrap(), AidKind::Medical);
        assert_eq!(AidKind::parse("子女助学").unwrap(), AidKind::Education);
        assert_eq!(AidKind::parse("助学").unwrap(), AidKind::Education);
        assert_eq!(AidKind::parse("生活").unwrap(), AidKind::Living);
        assert_eq!(AidKind::parse("其他").unwrap(), AidKind::Other);
        assert!(AidKind::parse("").is_err());
        assert!(AidKind::parse("救").is_err());
        for k in AidKind::ALL {
            assert_eq!(AidKind::parse(k.code()).unwrap(), k);
            assert_eq!(AidKind::parse(k.label()).unwrap(), k);
        }
    }

    proptest! {
        #[test]
        fn every_amount_survives_the_round_trip(f in 0i64..=MAX_AMOUNT_FEN) {
            let shown = Fen(f).yuan();
            prop_assert_eq!(Fen::parse_yuan("amount", "金额", &shown).unwrap(), Fen(f));
        }
    }
}
