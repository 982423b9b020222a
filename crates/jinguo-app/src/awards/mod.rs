//! Award campaigns (评选) from nomination to public notice, honours and roadshows. Each use case
//! checks permission, scope and the campaign's timetable (each stage only in its window, with a
//! Chinese message saying when it is open), and writes its records, roll-ups and audit entry in
//! one transaction; a refused request writes nothing.
//!
//! Who does what: the city federation creates a campaign, publishes its notice, answers
//! objections and finalises it; village and town federations nominate (and record third-party
//! nominations); each level reviews the nominations waiting for it, town → county → city, within
//! the places its county was given; the public nominates, votes and objects from the public
//! pages (see [`PublicVoter`]).

mod demo;
mod honours;
mod nominations;

use chrono::{Datelike, NaiveDate};
use jinguo_domain::access::Permission;
use jinguo_domain::awards::{self as rules, AwardKind, DEFAULT_NOTICE_DAYS, Stage, Timetable};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, Level, RegionCode};
use jinguo_store::Work;
use jinguo_store::audit::Outcome;
use jinguo_store::awards::honours::NewHonour;
use jinguo_store::awards::nominations as noms;
use jinguo_store::awards::{self as store, Campaign, CampaignStatus, NewCampaign, Quota};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::org::{Checks, optional_text, parse_region};
use crate::{Actor, App, AppError, Result};

pub use honours::{HonourInput, RoadshowInput};
pub use jinguo_store::awards::honours::Filter as HonourFilter;
pub use jinguo_store::awards::nominations::Filter as NominationFilter;
pub use nominations::{NominationDetail, NominationInput, PhotoUpload, PublicVoter, ReviewInput};

/// A county's places, as typed: `county` a region code, `quota` a whole number.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuotaInput {
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub quota: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignInput {
    /// civilised | most_beautiful | integrity | good_mother_in_law | good_daughter_in_law |
    /// science_star | custom (or the label)
    #[serde(default)]
    pub kind: String,
    /// The award's own name; required for `custom`, else the kind's label.
    #[serde(default)]
    pub kind_name: Option<String>,
    /// For `custom`: whether the honour names a person ("true"/"on").
    #[serde(default)]
    pub for_person: Option<String>,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub nominate_from: String,
    #[serde(default)]
    pub nominate_to: String,
    #[serde(default)]
    pub review_from: String,
    #[serde(default)]
    pub review_to: String,
    #[serde(default)]
    pub vote_from: Option<String>,
    #[serde(default)]
    pub vote_to: Option<String>,
    /// % of the composite score from the public vote (default 30 with a vote, 0 without).
    #[serde(default)]
    pub vote_weight: Option<String>,
    #[serde(default)]
    pub notice_from: String,
    #[serde(default)]
    pub notice_days: Option<String>,
    #[serde(default)]
    pub quotas: Vec<QuotaInput>,
}

/// A campaign with its quotas and how many nominations stand at each stage (in the caller's
/// scope).
#[derive(Debug, Clone, Serialize)]
pub struct CampaignDetail {
    pub campaign: Campaign,
    pub quotas: Vec<Quota>,
    pub stages: Vec<(Stage, i64)>,
    pub open_objections: i64,
}

fn date(field: &str, label: &str, value: &str) -> Result<NaiveDate, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::field(field, format!("请填写{label}")));
    }
    jinguo_domain::insight::parse_date(v).ok_or_else(|| Invalid::field(field, format!("{label}格式应为 YYYY-MM-DD")))
}

fn whole(field: &str, label: &str, value: &str, min: i64, max: i64) -> Result<i64, Invalid> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Invalid::field(field, format!("{label}应为 {min} 到 {max} 之间的整数"))),
    }
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "on" | "1" | "yes" | "是"))
}

/// Parses quotas typed as lines or comma-separated `county:quota` pairs (`420502:3, 420506:2`),
/// for forms.
pub fn parse_quota_text(text: &str) -> Vec<QuotaInput> {
    text.split([',', '，', '\n', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (county, quota) = pair.split_once([':', '：', '=']).unwrap_or((pair, ""));
            QuotaInput { county: county.trim().to_owned(), quota: quota.trim().to_owned() }
        })
        .collect()
}

impl App {
    /// The level an actor reviews at (the operator: any, None).
    pub(crate) fn officer_level(actor: &Actor) -> Option<Level> {
        actor.role.and_then(|r| r.officer_level())
    }

    /// City-level work (create, publish, answer objections, finalise): a city officer of the
    /// campaign's city, or the operator.
    async fn require_city(&self, actor: &Actor, city: &RegionCode, action: &str) -> Result<()> {
        self.require(actor, Permission::WriteOrg, action).await?;
        let ok = match (actor.role, &actor.region) {
            (None, _) => true,
            (Some(_), Some(r)) => Self::officer_level(actor) == Some(Level::City) && r.contains(city),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.deny(actor, action, "award_campaign", "", &city.padded(), "只有市妇联可以办理此项").await)
        }
    }

    async fn campaign_row(&self, id: i64) -> Result<Campaign> {
        store::get(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }

    /// Creates a campaign of the city with its timetable and quotas.
    pub async fn create_campaign(&self, actor: &Actor, input: &CampaignInput) -> Result<CampaignDetail> {
        const ACTION: &str = "award_campaign.create";
        let city = actor
            .region
            .clone()
            .filter(|r| r.level() == Level::City)
            .or_else(|| self.config.city.clone())
            .ok_or_else(|| AppError::Forbidden("只有市妇联可以发起评选".into()))?;
        self.require_city(actor, &city, ACTION).await?;
        let mut checks = Checks::new();
        let kind = checks.take(AwardKind::parse(&input.kind));
        let kind_name = match (kind, input.kind_name.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(AwardKind::Custom), None) => checks.take(Err(Invalid::field("kind_name", "请填写自定评选类别的名称"))),
            (_, Some(n)) => checks.take(validate_name("kind_name", "评选类别名称", n, 30)),
            (Some(k), None) => Some(k.label().to_owned()),
            (None, None) => None,
        };
        let year = checks.take(whole("year", "评选年度", &input.year, 2000, 2100));
        let title = checks.take(optional_text("title", "评选名称", input.title.as_deref(), 60));
        let nf = checks.take(date("nominate_from", "推荐开始日期", &input.nominate_from));
        let nt = checks.take(date("nominate_to", "推荐截止日期", &input.nominate_to));
        let rf = checks.take(date("review_from", "审核开始日期", &input.review_from));
        let rt = checks.take(date("review_to", "审核截止日期", &input.review_to));
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let vote = match (blank(&input.vote_from), blank(&input.vote_to)) {
            (None, None) => Some(None),
            (Some(a), Some(b)) => {
                let a = checks.take(date("vote_from", "投票开始日期", &a));
                let b = checks.take(date("vote_to", "投票截止日期", &b));
                a.zip(b).map(Some)
            }
            (Some(_), None) => checks.take(Err(Invalid::field("vote_to", "请填写投票截止日期（不设投票则两项都留空）"))),
            (None, Some(_)) => checks.take(Err(Invalid::field("vote_from", "请填写投票开始日期（不设投票则两项都留空）"))),
        };
        let weight = match (blank(&input.vote_weight), &vote) {
            (None, Some(Some(_))) => Some(30),
            (None, _) => Some(0),
            (Some(w), _) => checks.take(whole("vote_weight", "投票权重", &w, 0, 100)),
        };
        if let (Some(w), Some(None)) = (weight, &vote)
            && w > 0
        {
            checks.take::<()>(Err(Invalid::field("vote_weight", "不设投票时投票权重应为 0")));
        }
        let notice_from = checks.take(date("notice_from", "公示开始日期", &input.notice_from));
        let notice_days = match blank(&input.notice_days) {
            None => Some(DEFAULT_NOTICE_DAYS),
            Some(n) => checks.take(whole("notice_days", "公示天数", &n, 1, 60)),
        };
        let mut quotas = Vec::new();
        if input.quotas.is_empty() {
            checks.take::<()>(Err(Invalid::field("quotas", "请为各县(区)分配名额")));
        }
        for q in &input.quotas {
            let county = checks.take(parse_region("quotas", &q.county));
            let n = checks.take(whole("quotas", &format!("{}的名额", q.county.trim()), &q.quota, 0, 10_000));
            if let (Some(county), Some(n)) = (county, n) {
                if county.level() != Level::County || !city.contains(&county) {
                    checks.take::<()>(Err(Invalid::field("quotas", format!("{} 不是本市的县(区)", county.short()))));
                } else if quotas.iter().any(|(c, _)| c == &county) {
                    checks.take::<()>(Err(Invalid::field("quotas", format!("{} 的名额填写了两次", county.short()))));
                } else {
                    quotas.push((county, n));
                }
            }
        }
        checks.finish()?;
        let (
            Some(kind),
            Some(kind_name),
            Some(year),
            Some(title),
            Some(nf),
            Some(nt),
            Some(rf),
            Some(rt),
            Some(vote),
            Some(weight),
            Some(notice_from),
            Some(notice_days),
        ) = (kind, kind_name, year, title, nf, nt, rf, rt, vote, weight, notice_from, notice_days)
        else {
            return Err(AppError::Internal("validation".into()));
        };
        let timetable = Timetable { nominate_from: nf, nominate_to: nt, review_from: rf, review_to: rt, vote, notice_from, notice_days };
        timetable.check()?;
        let mut missing = Invalid::new();
        for (county, _) in &quotas {
            if jinguo_store::org::regions::get(self.db.reader(), county).await?.is_none() {
                missing.add("quotas", format!("区划 {} 不存在", county.short()));
            }
        }
        missing.into_result()?;
        let city_name = jinguo_store::org::regions::get(self.db.reader(), &city).await?.map(|r| r.name).unwrap_or_default();
        let title = if title.is_empty() { format!("{year}年{city_name}{kind_name}评选") } else { title };
        let new = NewCampaign {
            region: city.clone(),
            kind,
            for_person: if kind == AwardKind::Custom { truthy(input.for_person.as_deref()) } else { kind.for_person() },
            kind_name,
            year,
            title,
            timetable,
            vote_weight: weight,
            quotas,
            created_on: self.today(),
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = store::insert(&mut w, &new, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_campaign",
            id,
            &city.padded(),
            json!({"after": {"title": new.title, "kind": kind.code(), "year": year, "quotas": new.quotas.iter().map(|(c, n)| json!({"county": c.short(), "quota": n})).collect::<Vec<_>>()}}),
        ));
        w.commit().await?;
        self.campaign(actor, id).await
    }

    /// A campaign, its quotas, and its nominations by stage within the caller's scope.
    pub async fn campaign(&self, actor: &Actor, id: i64) -> Result<CampaignDetail> {
        self.require(actor, Permission::ReadRegisters, "award_campaign.read").await?;
        let campaign = self.campaign_row(id).await?;
        let stages = noms::stage_counts(self.db.reader(), &actor.scope, id).await?;
        Ok(CampaignDetail {
            quotas: store::quotas(self.db.reader(), id).await?,
            open_objections: jinguo_store::awards::objections::open_count(self.db.reader(), id).await?,
            campaign,
            stages,
        })
    }

    /// Campaigns, the latest year first.
    pub async fn list_campaigns(&self, actor: &Actor, year: Option<i64>) -> Result<Vec<Campaign>> {
        self.require(actor, Permission::ReadRegisters, "award_campaign.list").await?;
        Ok(store::list(self.db.reader(), year).await?)
    }

    /// Publishes the list of nominees the city approved for public notice (公示), for the
    /// campaign's notice days from today. Not before the planned day, and only with a list.
    pub async fn publish_notice(&self, actor: &Actor, id: i64) -> Result<CampaignDetail> {
        const ACTION: &str = "award_campaign.publish";
        let c = self.campaign_row(id).await?;
        self.require_city(actor, &c.region, ACTION).await?;
        if c.status != CampaignStatus::Open {
            return Err(AppError::Conflict(format!("该评选已{}，不能再发布公示", c.status.label())));
        }
        let today = self.today();
        if today < c.timetable.notice_from {
            return Err(AppError::invalid("notice", format!("公示最早于 {} 开始，请届时再发布", c.timetable.notice_from)));
        }
        let chosen = noms::at_stage(self.db.reader(), id, Stage::CityApproved).await?;
        if chosen.is_empty() {
            return Err(AppError::invalid("notice", "还没有市级审核通过的对象，不能发布公示"));
        }
        let end = rules::notice_end(today, c.timetable.notice_days);
        let now = self.now_ms();
        let w = Work::begin(&self.db).await?;
        if !store::publish(&w, id, today, end, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该评选已发布公示".into()));
        }
        let mut w = w;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_campaign",
            id,
            &c.region.padded(),
            json!({"after": {"notice_start": today, "notice_end": end, "nominees": chosen.len()}}),
        ));
        w.commit().await?;
        self.campaign(actor, id).await
    }

    /// Finalises a campaign after its notice ended: every nominee still on the list gets an
    /// honour (city level) on her family (and on her, for the person kinds).
    pub async fn finalise_campaign(&self, actor: &Actor, id: i64) -> Result<CampaignDetail> {
        const ACTION: &str = "award_campaign.finalise";
        let c = self.campaign_row(id).await?;
        self.require_city(actor, &c.region, ACTION).await?;
        let today = self.today();
        let end = match (c.status, c.notice_end) {
            (CampaignStatus::Notice, Some(end)) => end,
            (CampaignStatus::Finalised, _) => return Err(AppError::Conflict("该评选已确定最终名单".into())),
            _ => return Err(AppError::invalid("finalise", "该评选尚未发布公示，公示期满后才能确定最终名单")),
        };
        if today <= end {
            return Err(AppError::invalid(
                "finalise",
                format!("公示期至 {end} 结束，公示期满后（{} 起）才能确定最终名单", end + chrono::Duration::days(1)),
            ));
        }
        let open = jinguo_store::awards::objections::open_count(self.db.reader(), id).await?;
        if open > 0 {
            return Err(AppError::invalid("finalise", format!("还有 {open} 条异议尚未答复，答复后才能确定最终名单")));
        }
        let chosen = noms::at_stage(self.db.reader(), id, Stage::CityApproved).await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !store::finalise(&w, id, today, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该评选已确定最终名单".into()));
        }
        for n in &chosen {
            let title = match &n.person_name {
                Some(p) if c.for_person => format!("{}年度{}{}（{p}）", c.year, rules_level_name(), c.kind_name),
                _ => format!("{}年度{}{}", c.year, rules_level_name(), c.kind_name),
            };
            let h = NewHonour {
                family: n.family,
                person: n.person,
                campaign: Some(id),
                kind: c.kind,
                level: jinguo_domain::awards::HonourLevel::City,
                year: c.year,
                title,
                region: n.region.clone(),
                awarded_on: today,
                created_by: actor.account,
            };
            jinguo_store::awards::honours::insert(&mut w, &h, now).await?;
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_campaign",
            id,
            &c.region.padded(),
            json!({"after": {"finalised_on": today, "honours": chosen.len()}}),
        ));
        w.commit().await?;
        self.campaign(actor, id).await
    }

    /// What the public pages show of a campaign: its published notice (the nominees on the
    /// list), or nothing before publication.
    pub async fn public_notice(&self, id: i64) -> Result<(Campaign, Vec<noms::Nomination>)> {
        let c = self.campaign_row(id).await?;
        if c.notice_start.is_none() {
            return Err(AppError::NotFound);
        }
        let list = noms::at_stage(self.db.reader(), id, Stage::CityApproved).await?;
        Ok((c, list))
    }

    /// Campaigns with a published notice, and campaigns open to the public today (nominating
    /// or voting), for the public pages.
    pub async fn public_campaigns(&self) -> Result<(Vec<Campaign>, Vec<Campaign>)> {
        let today = self.today();
        Ok((store::published(self.db.reader()).await?, store::open_on(self.db.reader(), today).await?))
    }
}

/// Honours of the city's own campaigns are city honours.
fn rules_level_name() -> &'static str {
    "市级"
}

/// The year of a day, for honours recorded by hand.
pub(crate) fn year_of(d: NaiveDate) -> i64 {
    d.year() as i64
}
