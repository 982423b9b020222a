//! Families (households of the register), family points (家风积分制), the goods store
//! (积分超市) and family mottos (家风家训): the vocabularies and the checks on what officers type.
//!
//! Points and stock are whole numbers (DESIGN.md: money-like things are integers). The ledger is
//! append-only; its entry kinds say why a balance moved. No I/O and no clock.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// How a member is related to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Head,
    Spouse,
    Child,
    Parent,
    ParentInLaw,
    Grandchild,
    Sibling,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 8] = [
        Relation::Head,
        Relation::Spouse,
        Relation::Child,
        Relation::Parent,
        Relation::ParentInLaw,
        Relation::Grandchild,
        Relation::Sibling,
        Relation::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Relation::Head => "head",
            Relation::Spouse => "spouse",
            Relation::Child => "child",
            Relation::Parent => "parent",
            Relation::ParentInLaw => "parent_in_law",
            Relation::Grandchild => "grandchild",
            Relation::Sibling => "sibling",
            Relation::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Relation::Head => "户主",
            Relation::Spouse => "配偶",
            Relation::Child => "子女",
            Relation::Parent => "父母",
            Relation::ParentInLaw => "公婆/岳父母",
            Relation::Grandchild => "孙辈",
            Relation::Sibling => "兄弟姐妹",
            Relation::Other => "其他",
        }
    }

    /// By code or label; empty is `other`.
    pub fn parse(s: &str) -> Result<Relation, Invalid> {
        let w = s.trim();
        if w.is_empty() {
            return Ok(Relation::Other);
        }
        Relation::ALL
            .into_iter()
            .find(|r| r.code() == w.to_ascii_lowercase() || r.label() == w)
            .ok_or_else(|| Invalid::field("relation", "与户主关系应为 户主、配偶、子女、父母、公婆/岳父母、孙辈、兄弟姐妹、其他 之一"))
    }
}

/// Why a family's points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// 获得: verified participation, or an officer's award by a rule.
    Earn,
    /// 扣减: a behaviour on the city's list.
    Deduct,
    /// 调整: an officer's correction with a reason (either sign).
    Adjust,
    /// 过期: points older than the configured months.
    Expire,
    /// 兑换: a redemption at the goods store.
    Redeem,
    /// 退还: a cancelled redemption's points returned.
    Refund,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] =
        [EntryKind::Earn, EntryKind::Deduct, EntryKind::Adjust, EntryKind::Expire, EntryKind::Redeem, EntryKind::Refund];

    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Earn => "earn",
            EntryKind::Deduct => "deduct",
            EntryKind::Adjust => "adjust",
            EntryKind::Expire => "expire",
            EntryKind::Redeem => "redeem",
            EntryKind::Refund => "refund",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Earn => "获得",
            EntryKind::Deduct => "扣减",
            EntryKind::Adjust => "调整",
            EntryKind::Expire => "过期",
            EntryKind::Redeem => "兑换",
            EntryKind::Refund => "退还",
        }
    }

    pub fn from_code(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// What an officer may enter by hand: earn, deduct or adjust.
    pub fn parse_manual(s: &str) -> Result<EntryKind, Invalid> {
        let w = s.trim();
        [EntryKind::Earn, EntryKind::Deduct, EntryKind::Adjust]
            .into_iter()
            .find(|k| k.code() == w.to_ascii_lowercase() || k.label() == w)
            .ok_or_else(|| Invalid::field("kind", "积分类别应为 earn（获得）、deduct（扣减）或 adjust（调整）"))
    }
}

/// The largest number of points one entry may move (a typo guard).
pub const MAX_ENTRY_POINTS: i64 = 100_000;

/// The points of a manual entry, signed as the ledger stores them: earn is positive, deduct is
/// negative (typed as a positive number or with a minus sign), adjust keeps the sign typed and
/// may not be zero.
pub fn signed_points(kind: EntryKind, input: &str) -> Result<i64, Invalid> {
    let t = input.trim();
    let n: i64 = t.parse().map_err(|_| Invalid::field("points", "积分应为整数"))?;
    if n == 0 {
        return Err(Invalid::field("points", "积分不能为 0"));
    }
    if n.abs() > MAX_ENTRY_POINTS {
        return Err(Invalid::field("points", format!("单笔积分不能超过 {MAX_ENTRY_POINTS} 分")));
    }
    match kind {
        EntryKind::Earn if n < 0 => Err(Invalid::field("points", "获得的积分应为正数；扣减请选择“扣减”")),
        EntryKind::Earn => Ok(n),
        EntryKind::Deduct => Ok(-n.abs()),
        _ => Ok(n),
    }
}

/// A whole number in `min..=max`, with the label in the message.
pub fn whole(field: &str, label: &str, input: &str, min: i64, max: i64) -> Result<i64, Invalid> {
    match input.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Invalid::field(field, format!("{label}应为 {min} 到 {max} 之间的整数"))),
    }
}

/// An idempotency key: 1 to 100 visible ASCII characters.
pub fn idempotency_key(input: &str) -> Result<String, Invalid> {
    let k = input.trim();
    if k.is_empty() {
        return Err(Invalid::field("idempotency_key", "请提供幂等键（idempotency_key），重试时使用同一个值"));
    }
    if k.len() > 100 || !k.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Invalid::field("idempotency_key", "幂等键应为 1 到 100 个可见的英文字母、数字或符号"));
    }
    Ok(k.to_owned())
}

/// Where a redemption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// 待领取: stock reserved and points deducted.
    Reserved,
    /// 已领取.
    Fulfilled,
    /// 已取消: stock and points returned.
    Cancelled,
}

impl RedemptionStatus {
    pub fn code(self) -> &'static str {
        match self {
            RedemptionStatus::Reserved => "reserved",
            RedemptionStatus::Fulfilled => "fulfilled",
            RedemptionStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RedemptionStatus::Reserved => "待领取",
            RedemptionStatus::Fulfilled => "已领取",
            RedemptionStatus::Cancelled => "已取消",
        }
    }

    pub fn from_code(s: &str) -> Option<RedemptionStatus> {
        [RedemptionStatus::Reserved, RedemptionStatus::Fulfilled, RedemptionStatus::Cancelled].into_iter().find(|k| k.code() == s)
    }
}

/// Where a family motto stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MottoStatus {
    Pending,
    Approved,
    Rejected,
}

impl MottoStatus {
    pub fn code(self) -> &'static str {
        match self {
            MottoStatus::Pending => "pending",
            MottoStatus::Approved => "approved",
            MottoStatus::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MottoStatus::Pending => "待审核",
            MottoStatus::Approved => "已通过",
            MottoStatus::Rejected => "未通过",
        }
    }

    pub fn from_code(s: &str) -> Option<MottoStatus> {
        [MottoStatus::Pending, MottoStatus::Approved, MottoStatus::Rejected].into_iter().find(|k| k.code() == s)
    }
}

/// The text of a motto: 4 to 200 characters, no control characters.
pub fn motto_text(input: &str) -> Result<String, Invalid> {
    let t = input.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(Invalid::field("body", "请填写家风家训"));
    }
    if n < 4 {
        return Err(Invalid::field("body", "家风家训至少 4 个字"));
    }
    if n > 200 {
        return Err(Invalid::field("body", "家风家训不能超过 200 个字"));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::field("body", "家风家训含有不可见的控制字符"));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn manual_points_are_signed_by_kind() {
        assert_eq!(signed_points(EntryKind::Earn, "10"), Ok(10));
        assert_eq!(signed_points(EntryKind::Deduct, "10"), Ok(-10));
        assert_eq!(signed_points(EntryKind::Deduct, "-10"), Ok(-10));
        assert_eq!(signed_points(EntryKind::Adjust, "-3"), Ok(-3));
        assert!(signed_points(EntryKind::Earn, "-3").unwrap_err().summary().contains("正数"));
        assert!(signed_points(EntryKind::Adjust, "0").unwrap_err().summary().contains("不能为 0"));
        assert!(signed_points(EntryKind::Earn, "1.5").unwrap_err().summary().contains("整数"));
        assert!(signed_points(EntryKind::Earn, "100001").unwrap_err().summary().contains("不能超过"));
    }

    #[test]
    fn kinds_relations_and_keys() {
        assert_eq!(EntryKind::parse_manual("扣减").unwrap(), EntryKind::Deduct);
        assert!(EntryKind::parse_manual("redeem").is_err());
        assert_eq!(Relation::parse("配偶").unwrap(), Relation::Spouse);
        assert_eq!(Relation::parse("").unwrap(), Relation::Other);
        assert!(Relation::parse("邻居").is_err());
        assert_eq!(idempotency_key(" abc-1 ").unwrap(), "abc-1");
        assert!(idempotency_key("").is_err());
        assert!(idempotency_key("中文").is_err());
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn mottos_have_a_length() {
        assert_eq!(motto_text(" 勤俭持家，孝老爱亲 ").unwrap(), "勤俭持家，孝老爱亲");
        assert!(motto_text("勤俭").is_err());
        assert!(motto_text(&"家".repeat(201)).is_err());
    }
}
