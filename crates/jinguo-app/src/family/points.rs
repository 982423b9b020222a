//! The points ledger: manual entries (earn, deduct by the city's list, adjust with a reason),
//! the points an activity gives for verified participation, the city's list of rules, and
//! expiry by the configured rule.

use chrono::Months;
use jinguo_domain::access::Permission;
use jinguo_domain::family::{EntryKind, signed_points, whole};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::family::points::{self as store, Entry, Holder, NewEntry, Refs, Rule};
use jinguo_store::{Scope, Work};
use serde::Deserialize;
use serde_json::json;

use super::{EXPIRY_SETTING, id_of};
use crate::org::{Checks, parse_day};
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntryInput {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub points: String,
    /// earn | deduct | adjust
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    /// A rule of the city's list (for a deduction by a listed behaviour); its points are used
    /// when `points` is empty.
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub entry_day: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleInput {
    /// deduct | earn
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub points: String,
}

/// What `jinguo points expire` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub months: u32,
    pub families: i64,
    pub points: i64,
}

/// The message of a debit the balance does not cover.
pub(crate) fn insufficient(balance: i64, need: i64) -> AppError {
    AppError::Refused {
        code: "insufficient_points",
        message: format!("积分不足：该家庭现有 {balance} 分，本次需要 {need} 分，未作任何变动"),
    }
}

impl App {
    /// Records a manual entry: earned (an officer's award), deducted (by a listed behaviour or
    /// with a reason) or adjusted (with a reason, either sign). A debit beyond the balance is
    /// refused with `insufficient_points`, nothing written.
    pub async fn record_points(&self, actor: &Actor, input: &EntryInput) -> Result<Entry> {
        const ACTION: &str = "points.entry";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let today = self.today();
        let mut checks = Checks::new();
        let fid = checks.take(id_of("family", &input.family, "请选择家庭"));
        let kind = checks.take(EntryKind::parse_manual(&input.kind));
        let day = checks.take(parse_day("entry_day", "积分日期", input.entry_day.as_deref(), today, today));
        let rule_id = match input.rule.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => checks.take(id_of("rule", r, "积分规则应为编号")).map(Some),
            None => Some(None),
        };
        checks.finish()?;
        let (Some(fid), Some(kind), Some(day), Some(rule_id)) = (fid, kind, day, rule_id) else {
            return Err(AppError::Internal("validation".into()));
        };
        let f = self.family_for_write(actor, fid, ACTION).await?;
        let rule = match rule_id {
            Some(id) => {
                let r = store::rule(self.db.reader(), id).await?.filter(|r| r.region.contains(&f.region) && r.active);
                Some(r.ok_or_else(|| AppError::invalid("rule", "该积分规则不存在或不适用于该家庭所在地区"))?)
            }
            None => None,
        };
        let mut checks = Checks::new();
        let points = match (input.points.trim().is_empty(), &rule) {
            (true, Some(r)) => Some(if kind == EntryKind::Deduct { -r.points } else { r.points }),
            _ => checks.take(signed_points(kind, &input.points)),
        };
        let reason = match (input.reason.trim().is_empty(), &rule) {
            (true, Some(r)) => Some(r.name.clone()),
            _ => checks.take(validate_name("reason", "积分事由", &input.reason, 200)),
        };
        checks.finish()?;
        let (Some(points), Some(reason)) = (points, reason) else { return Err(AppError::Internal("validation".into())) };
        let holder = Holder { family: f.id, region: f.region.clone() };
        let entry = NewEntry {
            points,
            kind,
            reason,
            refs: Refs { rule: rule.as_ref().map(|r| r.id), ..Refs::default() },
            day,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match store::append(&mut w, &holder, &entry, now).await? {
            Ok(id) => id,
            Err(store::Insufficient { balance }) => {
                w.rollback().await?;
                return Err(insufficient(balance, -points));
            }
        };
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "family",
            f.id,
            &f.region.padded(),
            json!({"after": {"entry": id.to_string(), "kind": kind.code(), "points": points, "reason": entry.reason}}),
        ));
        w.commit().await?;
        store::entry(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }

    /// Sets the points an activity gives each family whose member's attendance is confirmed.
    pub async fn set_activity_points(&self, actor: &Actor, activity: i64, points: &str) -> Result<i64> {
        const ACTION: &str = "activity.points";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let n = whole("points", "活动积分", points, 1, 1_000)?;
        let found = jinguo_store::org::activities::get(self.db.reader(), &actor.scope, activity).await?;
        let a = self.writable(actor, found, jinguo_store::register::Register::Activities, activity, ACTION).await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        store::set_activity_points(&mut w, activity, &a.region, n, actor.account, now).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "activity", activity, &a.region.padded(), json!({"after": {"points": n}})));
        w.commit().await?;
        Ok(n)
    }

    pub async fn activity_points(&self, actor: &Actor, activity: i64) -> Result<Option<i64>> {
        self.activity(actor, activity).await?;
        Ok(store::activity_points(self.db.reader(), activity).await?)
    }

    /// The rules that apply to a family's region.
    pub async fn points_rules_for(&self, region: &RegionCode) -> Result<Vec<Rule>> {
        Ok(store::rules_for(self.db.reader(), region).await?)
    }

    pub async fn points_rules(&self, actor: &Actor) -> Result<Vec<Rule>> {
        self.require(actor, Permission::ReadRegisters, "points.rules").await?;
        let mut rules = store::rules_in(self.db.reader(), &actor.scope).await?;
        if let Some(r) = &actor.region {
            for up in r.lineage().into_iter().filter(|x| x != r) {
                rules.extend(
                    store::rules_in(self.db.reader(), &Scope::region(up)).await?.into_iter().filter(|x| x.region.level() < r.level()),
                );
            }
        }
        rules.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
        rules.dedup_by_key(|r| r.id);
        Ok(rules)
    }

    /// Adds a rule to the list kept by the caller's federation (the city keeps the list of
    /// behaviours that cost points).
    pub async fn create_points_rule(&self, actor: &Actor, input: &RuleInput) -> Result<Rule> {
        const ACTION: &str = "points.rule_create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let mut checks = Checks::new();
        let kind = match input.kind.trim() {
            "deduct" | "扣减" => Some("deduct"),
            "earn" | "获得" => Some("earn"),
            _ => checks.take(Err(Invalid::field("kind", "规则类别应为 deduct（扣减）或 earn（获得）"))),
        };
        let name = checks.take(validate_name("name", "行为名称", &input.name, 100));
        let points = checks.take(whole("points", "分值", &input.points, 1, 10_000));
        checks.finish()?;
        let (Some(kind), Some(name), Some(points)) = (kind, name, points) else { return Err(AppError::Internal("validation".into())) };
        let region = actor.region.clone().or_else(|| self.config.city.clone()).ok_or_else(|| AppError::invalid("region", "未配置城市"))?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert_rule(&mut w, &region, kind, &name, points, actor.account, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "points_rule",
            id,
            &region.padded(),
            json!({"after": {"kind": kind, "name": name, "points": points}}),
        ));
        w.commit().await?;
        store::rule(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }

    /// The months after which earned points expire, if the city configured it.
    pub async fn points_expiry_months(&self) -> Result<Option<u32>> {
        let v = jinguo_store::settings::get(self.db.reader(), EXPIRY_SETTING).await?;
        Ok(v.and_then(|s| s.trim().parse::<u32>().ok()).filter(|m| *m > 0))
    }

    /// Sets the expiry rule (months; 0 turns it off). Operator or city officers only.
    pub async fn set_points_expiry(&self, actor: &Actor, months: u32) -> Result<()> {
        const ACTION: &str = "points.expiry_rule";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        if let (Some(r), Some(city)) = (&actor.region, &self.config.city)
            && !r.contains(city)
        {
            return Err(self.deny(actor, ACTION, "setting", EXPIRY_SETTING, &r.padded(), "积分有效期由市妇联设置").await);
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        jinguo_store::settings::set(&w.tx, EXPIRY_SETTING, &months.to_string()).await?;
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "setting", EXPIRY_SETTING, "", json!({"after": {"months": months}})));
        w.commit().await?;
        Ok(())
    }

    /// Expires points older than the configured months, for every family (the daily job and
    /// `jinguo points expire`). Idempotent: a second run the same day expires nothing more.
    pub async fn expire_points(&self, actor: &Actor, months: Option<u32>) -> Result<Option<Expired>> {
        const ACTION: &str = "points.expire";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let Some(months) = months.filter(|m| *m > 0).or(self.points_expiry_months().await?) else { return Ok(None) };
        let today = self.today();
        let cutoff = today.checked_sub_months(Months::new(months)).ok_or_else(|| AppError::invalid("months", "月数过大"))?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let (families, points) = store::expire(&mut w, &actor.scope, cutoff, today, months, now).await?;
        if families > 0 {
            w.audit(actor.entry(
                now,
                ACTION,
                Outcome::Ok,
                "points",
                "",
                "",
                json!({"after": {"months": months, "cutoff": cutoff, "families": families, "points": points}}),
            ));
        }
        w.commit().await?;
        Ok(Some(Expired { months, families, points }))
    }
}
