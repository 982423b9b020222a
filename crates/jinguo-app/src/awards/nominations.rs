//! Nominations, reviews, the public vote and objections.

use std::path::PathBuf;

use jinguo_domain::access::Permission;
use jinguo_domain::awards::{self as rules, NominationSource, Stage};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, Level};
use jinguo_store::Work;
use jinguo_store::audit::{AuditEntry, Outcome};
use jinguo_store::awards::nominations::{self as noms, NewNomination, Nomination, Photo, Review};
use jinguo_store::awards::objections::{self, NewObjection, Objection};
use jinguo_store::awards::votes::{self, NewVote};
use jinguo_store::awards::{self as store, Campaign, CampaignStatus, FamilyRef};
use jinguo_store::{Page, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::org::Checks;
use crate::{Actor, App, AppError, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NominationInput {
    #[serde(default)]
    pub campaign: String,
    /// The family's id (staff), or empty for a self-nomination found by `head_id_number`.
    #[serde(default)]
    pub family: String,
    /// For the person kinds: the member nominated (her record's id).
    #[serde(default)]
    pub person: Option<String>,
    /// federation | third_party (staff); a public nomination is always `self`.
    #[serde(default)]
    pub source: Option<String>,
    /// Who nominates: for a third party her or his name; for a federation its name (default:
    /// the staff member's federation).
    #[serde(default)]
    pub nominator: Option<String>,
    #[serde(default)]
    pub story: String,
}

/// A photo as uploaded: the name the browser gave, and its bytes.
#[derive(Debug, Clone)]
pub struct PhotoUpload {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewInput {
    /// approve | return
    #[serde(default)]
    pub decision: String,
    /// Required when sending back.
    #[serde(default)]
    pub reason: Option<String>,
    /// The panel's score (0–100), at the city level.
    #[serde(default)]
    pub panel_score: Option<String>,
}

/// A public account acting on the public pages (self-nomination, vote, objection).
#[derive(Debug, Clone)]
pub struct PublicVoter {
    pub account: i64,
    pub ip: String,
}

impl PublicVoter {
    fn entry(&self, at_ms: i64, action: &str, kind: &str, id: impl ToString, region: &str, detail: serde_json::Value) -> AuditEntry {
        AuditEntry {
            at_ms,
            account: None,
            username: format!("public:{}", self.account),
            ip: self.ip.clone(),
            action: action.to_owned(),
            outcome: Outcome::Ok,
            object_kind: kind.to_owned(),
            object_id: id.to_string(),
            region: region.to_owned(),
            detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NominationDetail {
    pub nomination: Nomination,
    pub campaign: Campaign,
    pub photos: Vec<Photo>,
    pub reviews: Vec<Review>,
    pub objections: Vec<Objection>,
    /// The composite score in tenths of a point, when the campaign has a vote or a panel score.
    pub score: i64,
}

fn id_field(field: &str, value: &str, message: &str) -> Result<i64, Invalid> {
    value.trim().parse::<i64>().map_err(|_| Invalid::field(field, message))
}

impl App {
    fn mask_nomination(actor: &Actor, mut n: Nomination) -> Nomination {
        if !actor.sees_identity() {
            n.person_name = n.person_name.map(|_| String::new());
            n.nominator = String::new();
        }
        n
    }

    /// The nomination with its campaign, photos, reviews and objections (in scope).
    pub async fn nomination(&self, actor: &Actor, id: i64) -> Result<NominationDetail> {
        self.require(actor, Permission::ReadRegisters, "award_nomination.read").await?;
        let n = noms::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)?;
        self.nomination_detail(Self::mask_nomination(actor, n)).await
    }

    async fn nomination_detail(&self, n: Nomination) -> Result<NominationDetail> {
        let campaign = self.campaign_row(n.campaign).await?;
        let max = noms::at_stage(self.db.reader(), n.campaign, n.stage).await?.iter().map(|x| x.votes).max().unwrap_or(0).max(n.votes);
        let weight = if campaign.timetable.vote.is_some() { campaign.vote_weight } else { 0 };
        Ok(NominationDetail {
            score: rules::composite_score(n.panel_score, n.votes, max, weight),
            photos: noms::photos(self.db.reader(), n.id).await?,
            reviews: noms::reviews(self.db.reader(), n.id).await?,
            objections: objections::of_nomination(self.db.reader(), n.id).await?,
            campaign,
            nomination: n,
        })
    }

    /// A campaign's nominations in the caller's scope.
    pub async fn list_nominations(
        &self,
        actor: &Actor,
        campaign: i64,
        filter: noms::Filter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Nomination>> {
        self.require(actor, Permission::ReadRegisters, "award_nomination.list").await?;
        self.campaign_row(campaign).await?;
        let page = noms::list(self.db.reader(), &actor.scope, campaign, filter, after, limit.clamp(1, 500)).await?;
        Ok(page.map(|n| Self::mask_nomination(actor, n)))
    }

    /// A photo's bytes and type, for a nomination the caller may read; without a caller (the
    /// public pages), only of a nominee on a published notice or open to the public vote.
    pub async fn nomination_photo(&self, actor: Option<&Actor>, id: i64) -> Result<(String, Vec<u8>)> {
        let p = noms::photo(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        match actor {
            Some(a) => {
                noms::get(self.db.reader(), &a.scope, p.nomination).await?.ok_or(AppError::NotFound)?;
            }
            None => {
                let n = noms::get(self.db.reader(), &jinguo_store::Scope::everything(), p.nomination).await?.ok_or(AppError::NotFound)?;
                let c = self.campaign_row(n.campaign).await?;
                let today = self.today();
                let on_notice = c.notice_start.is_some() && n.stage == Stage::CityApproved;
                let on_vote = c.status == CampaignStatus::Open
                    && c.timetable.vote.is_some_and(|(a, b)| a <= today && today <= b)
                    && !matches!(n.stage, Stage::Returned | Stage::Withdrawn);
                if !on_notice && !on_vote {
                    return Err(AppError::NotFound);
                }
            }
        }
        let bytes = std::fs::read(self.config.data_dir.join(&p.file)).map_err(|_| AppError::NotFound)?;
        Ok((p.mime, bytes))
    }

    /// Checks what a nomination needs before anything is written: the campaign open for
    /// nominations today, the family, the person for the person kinds, the county's places.
    async fn check_nomination(
        &self,
        input: &NominationInput,
        family: Option<FamilyRef>,
        checks: &mut Checks,
    ) -> Result<Option<(Campaign, FamilyRef, Option<i64>, String)>> {
        let cid = checks.take(id_field("campaign", &input.campaign, "请选择评选活动"));
        let story = checks.take(validate_name("story", "事迹材料", &input.story, 5000));
        let Some(cid) = cid else { return Ok(None) };
        let c = store::get(self.db.reader(), cid).await?;
        let Some(c) = c else {
            checks.take::<()>(Err(Invalid::field("campaign", "该评选活动不存在")));
            return Ok(None);
        };
        let today = self.today();
        if c.status != CampaignStatus::Open {
            checks.take::<()>(Err(Invalid::field("campaign", format!("该评选已{}，不再接受推荐", c.status.label()))));
        } else if let Some(m) = rules::window_closed("推荐", c.timetable.nominate_from, c.timetable.nominate_to, today) {
            checks.take::<()>(Err(Invalid::field("campaign", m)));
        }
        let Some(f) = family else { return Ok(None) };
        let person = match input.person.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None if c.for_person => {
                checks.take(Err(Invalid::field("person", format!("“{}”评选的是个人，请选择被推荐的家庭成员", c.kind_name))))
            }
            None => Some(None),
            Some(_) if !c.for_person => checks.take(Err(Invalid::field("person", format!("“{}”评选的是家庭，无需选择个人", c.kind_name)))),
            Some(p) => match p.parse::<i64>() {
                Err(_) => checks.take(Err(Invalid::field("person", "家庭成员编号应为数字"))),
                Ok(pid) => match store::member_name(self.db.reader(), f.id, pid).await? {
                    Some(_) => Some(Some(pid)),
                    None => checks.take(Err(Invalid::field("person", format!("该人员不是{}的成员", f.name)))),
                },
            },
        };
        let county = store::county_of(&f.region);
        let has_places = match &county {
            Some(cty) => store::quotas(self.db.reader(), c.id).await?.iter().any(|q| &q.county == cty && q.quota > 0),
            None => false,
        };
        if !has_places {
            checks.take::<()>(Err(Invalid::field("family", format!("本次评选没有给{}所在县(区)分配名额", f.name))));
        }
        match (person, story) {
            (Some(p), Some(s)) => Ok(Some((c, f, p, s))),
            _ => Ok(None),
        }
    }

    /// Checks each photo by its first bytes and size (nothing written yet).
    fn check_photos(photos: &[PhotoUpload], checks: &mut Checks) -> Vec<rules::PhotoType> {
        if photos.len() > rules::MAX_PHOTOS {
            checks.take::<()>(Err(Invalid::field("photos", format!("照片最多 {} 张", rules::MAX_PHOTOS))));
        }
        photos.iter().filter_map(|p| checks.take(rules::check_photo(&p.name, &p.bytes))).collect()
    }

    /// Records a nomination with its photos in one transaction: the files are written first
    /// and removed again if the transaction fails.
    async fn write_nomination(
        &self,
        new: NewNomination,
        photos: &[PhotoUpload],
        types: &[rules::PhotoType],
        audit: impl FnOnce(i64, i64) -> AuditEntry,
    ) -> Result<i64> {
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let id = match noms::insert(&mut w, &new, now).await {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        };
        let dir = PathBuf::from("awards").join(id.to_string());
        let mut written = Vec::new();
        let mut failed = None;
        for (p, t) in photos.iter().zip(types) {
            let pid = jinguo_store::ids::next_id();
            let rel = dir.join(format!("{pid}.{}", t.extension()));
            let abs = self.config.data_dir.join(&rel);
            let res = std::fs::create_dir_all(self.config.data_dir.join(&dir)).and_then(|_| std::fs::write(&abs, &p.bytes));
            if let Err(e) = res {
                failed = Some(e.to_string());
                break;
            }
            written.push(abs);
            if let Err(e) = noms::add_photo(&w, id, &rel.to_string_lossy(), t.mime(), p.bytes.len() as i64, now).await {
                failed = Some(e.to_string());
                break;
            }
        }
        w.audit(audit(id, now));
        let outcome = match failed {
            Some(e) => Err(AppError::Internal(format!("photo: {e}"))),
            None => w.commit().await.map_err(AppError::from),
        };
        if let Err(e) = outcome {
            for f in written {
                let _ = std::fs::remove_file(f);
            }
            let _ = std::fs::remove_dir(self.config.data_dir.join(&dir));
            return Err(e);
        }
        Ok(id)
    }

    /// A federation (or a third party, recorded by staff) nominates a family of the register.
    pub async fn nominate(&self, actor: &Actor, input: &NominationInput, photos: &[PhotoUpload]) -> Result<NominationDetail> {
        const ACTION: &str = "award_nomination.create";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let mut checks = Checks::new();
        let source = match input.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(NominationSource::Federation),
            Some(s) => match NominationSource::parse(s) {
                Ok(NominationSource::SelfNominated) => checks.take(Err(Invalid::field("source", "自荐请由家庭在公众页面提交"))),
                other => checks.take(other),
            },
        };
        let nominator = match (source, input.nominator.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(NominationSource::ThirdParty), None) => checks.take(Err(Invalid::field("nominator", "请填写推荐人姓名或单位"))),
            (_, Some(n)) => checks.take(validate_name("nominator", "推荐人", n, 60)),
            (_, None) => Some(if actor.federation_name.is_empty() { actor.display_name.clone() } else { actor.federation_name.clone() }),
        };
        let fid = checks.take(id_field("family", &input.family, "请选择被推荐的家庭"));
        let family = match fid {
            Some(fid) => match store::family(self.db.reader(), fid).await? {
                Some(f) if actor.scope.contains(&f.region) => Some(f),
                Some(f) => {
                    return Err(self
                        .deny(actor, ACTION, "family", &fid.to_string(), &f.region.padded(), "该家庭不在您的管辖范围内，无权推荐")
                        .await);
                }
                None => checks.take(Err(Invalid::field("family", "家庭档案中没有该家庭"))),
            },
            None => None,
        };
        let checked = self.check_nomination(input, family, &mut checks).await?;
        let types = Self::check_photos(photos, &mut checks);
        checks.finish()?;
        let (Some((c, f, person, story)), Some(source), Some(nominator)) = (checked, source, nominator) else {
            return Err(AppError::Internal("validation".into()));
        };
        let county = store::county_of(&f.region).ok_or_else(|| AppError::Internal("family without county".into()))?;
        let new = NewNomination {
            campaign: c.id,
            region: f.region.clone(),
            county,
            family: f.id,
            person,
            source,
            nominator,
            public_account: None,
            story,
            nominated_on: self.today(),
            created_by: actor.account,
        };
        let detail = json!({"after": {"campaign": c.id.to_string(), "family": f.id.to_string(), "person": person.map(|p| p.to_string()), "source": source.code(), "photos": photos.len()}});
        let region = f.region.padded();
        let id = self
            .write_nomination(new, photos, &types, |id, now| actor.entry(now, ACTION, Outcome::Ok, "award_nomination", id, &region, detail))
            .await?;
        self.nomination(actor, id).await
    }

    /// A family nominates itself from the public page: the family is found by its head's ID
    /// number (the family must be in the register; the account is linked to nothing else).
    pub async fn self_nominate(
        &self,
        voter: &PublicVoter,
        input: &NominationInput,
        head_id_number: &str,
        photos: &[PhotoUpload],
    ) -> Result<i64> {
        const ACTION: &str = "award_nomination.self";
        self.check_public_account(voter).await?;
        let mut checks = Checks::new();
        let today = self.today();
        let family = match jinguo_domain::people::IdNumber::parse(head_id_number, today) {
            Err(e) => checks.take(Err(Invalid::field("head_id_number", e.summary()))),
            Ok(idn) => {
                let index = self.crypto.blind_index(crate::people::ID_PURPOSE, idn.as_str());
                let person = jinguo_store::people::find_by_id_index(self.db.reader(), &index).await?;
                let fam = match person {
                    Some((pid, _)) => store::family_of_person(self.db.reader(), pid).await?,
                    None => None,
                };
                match fam {
                    Some(fid) => store::family(self.db.reader(), fid).await?,
                    None => {
                        checks.take(Err(Invalid::field("head_id_number", "家庭档案中没有找到该家庭，请联系所在村(社区)妇联先登记家庭")))
                    }
                }
            }
        };
        let nominator = checks.take(validate_name("nominator", "您的称呼", input.nominator.as_deref().unwrap_or(""), 30));
        let checked = self.check_nomination(input, family, &mut checks).await?;
        let types = Self::check_photos(photos, &mut checks);
        checks.finish()?;
        let (Some((c, f, person, story)), Some(nominator)) = (checked, nominator) else {
            return Err(AppError::Internal("validation".into()));
        };
        let county = store::county_of(&f.region).ok_or_else(|| AppError::Internal("family without county".into()))?;
        let new = NewNomination {
            campaign: c.id,
            region: f.region.clone(),
            county,
            family: f.id,
            person,
            source: NominationSource::SelfNominated,
            nominator,
            public_account: Some(voter.account),
            story,
            nominated_on: today,
            created_by: None,
        };
        let detail = json!({"after": {"campaign": c.id.to_string(), "family": f.id.to_string(), "source": "self", "photos": photos.len()}});
        let region = f.region.padded();
        self.write_nomination(new, photos, &types, |id, now| voter.entry(now, ACTION, "award_nomination", id, &region, detail)).await
    }

    /// A returned nomination is submitted again with its story revised (until review ends).
    pub async fn resubmit_nomination(&self, actor: &Actor, id: i64, story: &str) -> Result<NominationDetail> {
        const ACTION: &str = "award_nomination.resubmit";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let found = noms::get(self.db.reader(), &actor.scope, id).await?;
        let n = match found {
            Some(n) => n,
            None => {
                return Err(self
                    .missing_or_forbidden(actor, noms::region_of(self.db.reader(), id).await?, ACTION, "award_nomination", id)
                    .await);
            }
        };
        let c = self.campaign_row(n.campaign).await?;
        if n.stage != Stage::Returned {
            return Err(AppError::Conflict("只有被退回的推荐可以重新提交".into()));
        }
        if let Some(m) = rules::window_closed("重新提交", c.timetable.nominate_from, c.timetable.review_to, self.today()) {
            return Err(AppError::invalid("story", m));
        }
        let story = validate_name("story", "事迹材料", story, 5000)?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !noms::resubmit(&w, id, &story, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该推荐已被他人处理，请刷新后再试".into()));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_nomination",
            id,
            &n.region.padded(),
            json!({"after": {"stage": "submitted"}}),
        ));
        w.commit().await?;
        self.nomination(actor, id).await
    }

    /// The level whose turn it is approves the nomination (taking one of its county's places at
    /// that level) or sends it back with a reason (giving back the places it held).
    pub async fn review_nomination(&self, actor: &Actor, id: i64, input: &ReviewInput) -> Result<NominationDetail> {
        const ACTION: &str = "award_nomination.review";
        self.require(actor, Permission::WritePeople, ACTION).await?;
        let found = noms::get(self.db.reader(), &actor.scope, id).await?;
        let n = match found {
            Some(n) => n,
            None => {
                return Err(self
                    .missing_or_forbidden(actor, noms::region_of(self.db.reader(), id).await?, ACTION, "award_nomination", id)
                    .await);
            }
        };
        let c = self.campaign_row(n.campaign).await?;
        let Some(level) = n.stage.reviewing_level() else {
            return Err(AppError::Conflict(format!("该推荐{}，无需审核", n.stage.label())));
        };
        if let Some(mine) = Self::officer_level(actor).filter(|_| actor.role.is_some())
            && mine != level
        {
            return Err(self
                .deny(
                    actor,
                    ACTION,
                    "award_nomination",
                    &id.to_string(),
                    &n.region.padded(),
                    &format!("该推荐正等待{}审核，您无权审核", rules::level_label(level)),
                )
                .await);
        }
        if actor.role.is_some() && Self::officer_level(actor).is_none() {
            return Err(self
                .deny(actor, ACTION, "award_nomination", &id.to_string(), &n.region.padded(), "只有各级妇联工作人员可以审核")
                .await);
        }
        if c.status != CampaignStatus::Open {
            return Err(AppError::Conflict(format!("该评选已{}，不能再审核", c.status.label())));
        }
        if let Some(m) = rules::window_closed("审核", c.timetable.review_from, c.timetable.review_to, self.today()) {
            return Err(AppError::invalid("decision", m));
        }
        let mut checks = Checks::new();
        let approve = match input.decision.trim() {
            "approve" | "通过" => Some(true),
            "return" | "退回" => Some(false),
            _ => checks.take(Err(Invalid::field("decision", "请选择审核结果：通过或退回"))),
        };
        let reason = input.reason.as_deref().map(str::trim).unwrap_or("");
        if approve == Some(false) && reason.is_empty() {
            checks.take::<()>(Err(Invalid::field("reason", "退回时请填写退回原因")));
        }
        if reason.chars().count() > 500 {
            checks.take::<()>(Err(Invalid::field("reason", "审核意见不能超过 500 个字")));
        }
        let score = match input.panel_score.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(_) if level != Level::City => {
                checks.take::<()>(Err(Invalid::field("panel_score", "评审分由市级评审时填写")));
                None
            }
            Some(s) => checks.take(
                s.parse::<i64>()
                    .ok()
                    .filter(|v| (0..=100).contains(v))
                    .ok_or_else(|| Invalid::field("panel_score", "评审分应为 0 到 100 之间的整数")),
            ),
        };
        checks.finish()?;
        let approve = approve.unwrap_or(false);
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let to = if approve { n.stage.approved().unwrap_or(Stage::CityApproved) } else { Stage::Returned };
        if approve && !store::take_place(&w, c.id, &n.county, level).await? {
            w.rollback().await?;
            let q = store::quotas(self.db.reader(), c.id).await?.into_iter().find(|q| q.county == n.county);
            let (name, quota) = q.map(|q| (q.county_name, q.quota)).unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "{name}的{}名额（{quota} 个）已用完，不能再通过；如需调整，请先退回已通过的推荐",
                rules::level_label(level)
            )));
        }
        if !noms::move_stage(&w, id, n.stage, to, if approve { "" } else { reason }, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该推荐已被他人审核，请刷新后再试".into()));
        }
        if !approve {
            store::give_back(&w, c.id, &n.county, n.stage.places_held()).await?;
        }
        if let Some(s) = score {
            noms::set_panel_score(&w, id, s, now).await?;
        }
        noms::add_review(
            &w,
            id,
            level.code_name(),
            if approve { "approve" } else { "return" },
            reason,
            (actor.account, &actor.display_name),
            now,
        )
        .await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_nomination",
            id,
            &n.region.padded(),
            json!({"before": {"stage": n.stage.code()}, "after": {"stage": to.code(), "level": level.code_name(), "reason": reason, "panel_score": score}}),
        ));
        w.commit().await?;
        self.nomination(actor, id).await
    }

    async fn check_public_account(&self, voter: &PublicVoter) -> Result<i64> {
        match votes::public_account(self.db.reader(), voter.account).await? {
            Some((created, false)) => Ok(created),
            Some((_, true)) => Err(AppError::Forbidden("该账号已停用".into())),
            None => Err(AppError::Unauthorized("请先登录".into())),
        }
    }

    /// A public vote for a nominee: only in the voting period, once per account per nominee
    /// per day, at most [`rules::VOTES_PER_MINUTE`] a minute; a vote in a burst (many votes for
    /// the nominee from one IP, or from fresh accounts, within minutes) is kept but flagged and
    /// not counted until an officer clears it. Returns whether the vote was counted.
    pub async fn vote(&self, voter: &PublicVoter, nomination: i64) -> Result<bool> {
        const ACTION: &str = "award_vote.create";
        let created = self.check_public_account(voter).await?;
        let n = noms::get(self.db.reader(), &jinguo_store::Scope::everything(), nomination).await?.ok_or(AppError::NotFound)?;
        let c = self.campaign_row(n.campaign).await?;
        let today = self.today();
        let Some((from, to)) = c.timetable.vote else {
            return Err(AppError::invalid("vote", "本次评选不设网络投票"));
        };
        if let Some(m) = rules::window_closed("投票", from, to, today) {
            return Err(AppError::invalid("vote", m));
        }
        if matches!(n.stage, Stage::Returned | Stage::Withdrawn) || c.status != CampaignStatus::Open {
            return Err(AppError::invalid("vote", "该推荐对象目前不接受投票"));
        }
        let now = self.now_ms();
        if votes::by_account_since(self.db.reader(), voter.account, now - 60_000).await? >= rules::VOTES_PER_MINUTE {
            return Err(AppError::invalid("vote", "投票太频繁，请稍后再试"));
        }
        let since = now - rules::BURST_MINUTES * 60_000;
        let fresh_after = now - 24 * 3_600_000;
        let from_ip = votes::from_ip_since(self.db.reader(), nomination, &voter.ip, since).await?;
        let fresh = if created > fresh_after { votes::fresh_since(self.db.reader(), nomination, since, fresh_after).await? } else { 0 };
        let flag_reason = if from_ip >= rules::BURST_VOTES {
            format!("{} 分钟内同一 IP 地址已投 {from_ip} 票", rules::BURST_MINUTES)
        } else if fresh >= rules::BURST_VOTES {
            format!("{} 分钟内新注册账号已投 {fresh} 票", rules::BURST_MINUTES)
        } else {
            String::new()
        };
        let counted = flag_reason.is_empty();
        let v = NewVote {
            campaign: c.id,
            nomination,
            account: voter.account,
            day: today,
            ip: voter.ip.clone(),
            flag_reason: flag_reason.clone(),
        };
        let mut w = Work::begin(&self.db).await?;
        match votes::insert(&w, &v, now).await {
            Ok(_) => {}
            Err(StoreError::Conflict(m)) => {
                w.rollback().await?;
                return Err(AppError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        }
        w.audit(voter.entry(
            now,
            ACTION,
            "award_nomination",
            nomination,
            &n.region.padded(),
            json!({"after": {"counted": counted, "flag": flag_reason}}),
        ));
        w.commit().await?;
        Ok(counted)
    }

    /// The city counts (`count = true`) or rejects a nominee's flagged votes.
    pub async fn settle_flagged_votes(&self, actor: &Actor, nomination: i64, count: bool) -> Result<u64> {
        const ACTION: &str = "award_vote.settle";
        let n = noms::get(self.db.reader(), &actor.scope, nomination).await?.ok_or(AppError::NotFound)?;
        let c = self.campaign_row(n.campaign).await?;
        self.require_city(actor, &c.region, ACTION).await?;
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let changed = votes::settle_flagged(&w, nomination, count).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_nomination",
            nomination,
            &n.region.padded(),
            json!({"after": {"counted": count, "votes": changed}}),
        ));
        w.commit().await?;
        Ok(changed)
    }

    /// A nominee's flagged votes.
    pub async fn flagged_votes(&self, actor: &Actor, nomination: i64) -> Result<Vec<votes::FlaggedVote>> {
        self.require(actor, Permission::ReadRegisters, "award_vote.list").await?;
        noms::get(self.db.reader(), &actor.scope, nomination).await?.ok_or(AppError::NotFound)?;
        Ok(votes::flagged(self.db.reader(), nomination).await?)
    }

    /// A public account raises an objection to a nominee on the notice, only while the notice
    /// runs.
    pub async fn object(&self, voter: &PublicVoter, nomination: i64, text: &str) -> Result<i64> {
        const ACTION: &str = "award_objection.create";
        self.check_public_account(voter).await?;
        let n = noms::get(self.db.reader(), &jinguo_store::Scope::everything(), nomination).await?.ok_or(AppError::NotFound)?;
        let c = self.campaign_row(n.campaign).await?;
        let today = self.today();
        let (Some(start), Some(end)) = (c.notice_start, c.notice_end) else {
            return Err(AppError::invalid("text", "该评选尚未公示，暂不受理异议"));
        };
        if c.status != CampaignStatus::Notice {
            return Err(AppError::invalid("text", format!("公示期已于 {end} 结束，评选已确定最终名单，不能再提出异议")));
        }
        if let Some(m) = rules::window_closed("公示期", start, end, today) {
            return Err(AppError::invalid("text", format!("{m}：不能再提出异议")));
        }
        if n.stage != Stage::CityApproved {
            return Err(AppError::invalid("text", "该对象不在公示名单中"));
        }
        let text = validate_name("text", "异议内容", text, 2000)?;
        if text.chars().count() < 5 {
            return Err(AppError::invalid("text", "请写明异议的具体事实（至少 5 个字）"));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let o = NewObjection {
            campaign: c.id,
            nomination,
            region: n.region.clone(),
            account: Some(voter.account),
            raised_by: format!("public:{}", voter.account),
            text,
            raised_on: today,
        };
        let id = objections::insert(&mut w, &o, now).await?;
        w.audit(voter.entry(
            now,
            ACTION,
            "award_objection",
            id,
            &n.region.padded(),
            json!({"after": {"nomination": nomination.to_string()}}),
        ));
        w.commit().await?;
        Ok(id)
    }

    /// A campaign's objections (city staff).
    pub async fn list_objections(&self, actor: &Actor, campaign: i64) -> Result<Vec<Objection>> {
        self.require(actor, Permission::ReadRegisters, "award_objection.list").await?;
        self.campaign_row(campaign).await?;
        let all = objections::of_campaign(self.db.reader(), campaign).await?;
        Ok(all.into_iter().filter(|o| actor.scope.contains(&o.region)).collect())
    }

    /// The city answers an objection: upheld withdraws the nominee from the list (and frees
    /// the places she held), dismissed keeps her on it.
    pub async fn answer_objection(&self, actor: &Actor, id: i64, upheld: bool, answer: &str) -> Result<Objection> {
        const ACTION: &str = "award_objection.answer";
        let o = objections::get(self.db.reader(), id).await?.ok_or(AppError::NotFound)?;
        let c = self.campaign_row(o.campaign).await?;
        self.require_city(actor, &c.region, ACTION).await?;
        if c.status == CampaignStatus::Finalised {
            return Err(AppError::Conflict("该评选已确定最终名单".into()));
        }
        let answer = validate_name("answer", "答复", answer, 2000)?;
        let n = noms::get(self.db.reader(), &jinguo_store::Scope::everything(), o.nomination).await?.ok_or(AppError::NotFound)?;
        let now = self.now_ms();
        let today = self.today();
        let mut w = Work::begin(&self.db).await?;
        if !objections::answer(&mut w, &o, upheld, &answer, actor.account, today, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该异议已答复".into()));
        }
        if upheld
            && n.stage == Stage::CityApproved
            && noms::move_stage(&w, n.id, Stage::CityApproved, Stage::Withdrawn, &format!("异议成立：{answer}"), now).await?
        {
            store::give_back(&w, c.id, &n.county, Stage::CityApproved.places_held()).await?;
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "award_objection",
            id,
            &o.region.padded(),
            json!({"after": {"upheld": upheld, "nomination": n.id.to_string()}}),
        ));
        w.commit().await?;
        objections::get(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }
}

impl App {
    /// The nominees the public may vote for today (empty outside the voting period): every
    /// nomination not sent back or withdrawn.
    pub async fn public_candidates(&self, campaign: i64) -> Result<(Campaign, Vec<Nomination>)> {
        let c = self.campaign_row(campaign).await?;
        let today = self.today();
        let open = c.status == CampaignStatus::Open && c.timetable.vote.is_some_and(|(a, b)| a <= today && today <= b);
        if !open {
            return Ok((c, Vec::new()));
        }
        let page = noms::list(self.db.reader(), &jinguo_store::Scope::everything(), campaign, noms::Filter::default(), None, 500).await?;
        let list = page
            .items
            .into_iter()
            .filter(|n| !matches!(n.stage, Stage::Returned | Stage::Withdrawn))
            .map(|mut n| {
                n.nominator = String::new();
                n
            })
            .collect();
        Ok((c, list))
    }
}
