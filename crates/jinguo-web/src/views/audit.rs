//! `/audit`: the audit administrator's search of the audit log, newest first, paged by the
//! entries' sequence numbers. Everyone else gets the 403 page (and the attempt is audited).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use chrono::NaiveDate;
use jinguo_domain::Invalid;
use jinguo_store::audit::{AuditRecord, Filter};
use serde::Deserialize;

use crate::auth::PageUser;
use crate::state::AppState;
use crate::views::{Chrome, FormErrors, PageResult, SelectOption, china_time, filter_date, link, render_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

/// The outcomes to filter by, with their labels and badge classes.
const OUTCOMES: [(&str, &str, &str); 3] = [("ok", "成功", "ok"), ("denied", "拒绝", "bad"), ("failed", "失败", "warn")];

/// What an action code means, for the reader of the log.
fn action_label(action: &str) -> &'static str {
    match action {
        "auth.login" => "登录",
        "auth.logout" => "退出登录",
        "account.create" => "创建账号",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.reset_password" => "重置密码",
        "account.password" => "修改本人密码",
        "account.unlock" => "解锁账号",
        "account.reset_totp" => "重置动态验证码",
        "account.totp_enrol" => "设置动态验证码",
        "account.list" | "account.read" => "查看账号",
        "audit.search" => "查询审计日志",
        "regions.import" => "导入区划",
        "federation.create" | "federation.create_region" => "新建妇联组织",
        "federation.update" => "修改妇联组织",
        "federation.list" | "federation.read" => "查看妇联组织",
        "term.create" => "登记换届",
        "executive_member.create" => "增加执委",
        "executive_member.end" => "执委离任",
        "women_home.create" => "登记妇女之家",
        "women_home.update" => "修改妇女之家",
        "women_home.check" => "妇女之家检查",
        "women_home.list" | "women_home.read" => "查看妇女之家",
        "activity.create" => "登记活动",
        "activity.list" | "activity.read" => "查看活动",
        "indicator.read" => "查看指标",
        "demo.seed" | "demo.seeded" => "生成演示数据",
        _ => "",
    }
}

/// An entry as a row shows it.
pub struct Row {
    pub seq: i64,
    pub time: String,
    pub username: String,
    pub ip: String,
    pub action: String,
    pub action_label: &'static str,
    pub outcome_label: &'static str,
    pub outcome_class: &'static str,
    pub object: String,
    pub region: String,
    /// The detail JSON, indented; empty when there is none.
    pub detail: String,
}

impl Row {
    fn new(r: &AuditRecord) -> Row {
        let (outcome_label, outcome_class) = OUTCOMES.iter().find(|o| o.0 == r.outcome).map(|o| (o.1, o.2)).unwrap_or(("", "none"));
        let detail = match serde_json::from_str::<serde_json::Value>(&r.detail) {
            Ok(serde_json::Value::Object(m)) if m.is_empty() => String::new(),
            Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| r.detail.clone()),
            Err(_) => r.detail.clone(),
        };
        let object = match (r.object_kind.as_str(), r.object_id.as_str()) {
            ("", id) => id.to_owned(),
            (kind, "") => kind.to_owned(),
            (kind, id) => format!("{kind} {id}"),
        };
        Row {
            seq: r.seq,
            time: china_time(r.at),
            username: r.username.clone(),
            ip: r.ip.clone(),
            action: r.action.clone(),
            action_label: action_label(&r.action),
            outcome_label,
            outcome_class,
            object,
            region: jinguo_domain::RegionCode::parse(&r.region).map(|c| c.short().to_owned()).unwrap_or_else(|_| r.region.clone()),
            detail,
        }
    }
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct AuditPage {
    chrome: Chrome,
    username: String,
    action: String,
    outcomes: Vec<SelectOption>,
    from: String,
    to: String,
    rows: Vec<Row>,
    total: i64,
    next: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct AuditQuery {
    username: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The sequence number the next page starts below.
    before: Option<String>,
}

/// The first moment of `day` in China time (UTC+8), in Unix milliseconds.
fn china_day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000).unwrap_or(0)
}

async fn page(State(state): State<AppState>, user: PageUser, Query(q): Query<AuditQuery>) -> PageResult {
    let mut invalid = Invalid::new();
    let from = filter_date("from", "开始日期", q.from.as_deref(), &mut invalid);
    let to = filter_date("to", "结束日期", q.to.as_deref(), &mut invalid);
    let outcome = q.outcome.clone().unwrap_or_default();
    let outcome = if OUTCOMES.iter().any(|o| o.0 == outcome) { outcome } else { String::new() };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let (username, action) = (text(&q.username), text(&q.action));
    let filter = Filter {
        username: Some(username.clone()).filter(|s| !s.is_empty()),
        action: Some(action.clone()).filter(|s| !s.is_empty()),
        outcome: Some(outcome.clone()).filter(|s| !s.is_empty()),
        object: None,
        from_ms: from.map(china_day_start_ms),
        // The end date is inclusive: entries before the next day's first moment.
        to_ms: to.and_then(|d| d.succ_opt()).map(china_day_start_ms),
    };
    let before = q.before.as_deref().and_then(|b| b.parse::<i64>().ok());
    let page = state.app.search_audit(&user.actor, &filter, before, 50).await?;
    let (from, to) = (text(&q.from), text(&q.to));
    let next = page
        .next
        .as_deref()
        .map(|n| {
            link(
                "/audit",
                &[("username", &username), ("action", &action), ("outcome", &outcome), ("from", &from), ("to", &to), ("before", n)],
            )
        })
        .unwrap_or_default();
    let status = if invalid.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render_status(
        status,
        &AuditPage {
            chrome: Chrome::new(&user, "/audit"),
            outcomes: OUTCOMES.iter().map(|o| SelectOption::new(o.0, o.1, &outcome)).collect(),
            username,
            action,
            from,
            to,
            rows: page.items.iter().map(Row::new).collect(),
            total: page.total,
            next,
            errors: FormErrors(invalid),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_china_day_starts_at_sixteen_hours_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        // 2026-11-27 16:00:00 UTC.
        assert_eq!(china_day_start_ms(day), 1_795_795_200_000);
        assert_eq!(china_time(china_day_start_ms(day)), "2026-11-28 00:00:00");
    }
}
