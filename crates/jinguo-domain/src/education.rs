//! Family education (家庭教育) and the online parent school (线上家长学校): the four-level
//! guidance system (四级家庭教育指导服务体系) of centres, lecturer teams and lecturers, the
//! service activities they hold ("进社区/进学校/进农村"), the parent school's articles and videos,
//! and parents' consultations (question → expert → answer → rating).
//!
//! The vocabularies live here: centre levels (which follow the region's level), activity kinds,
//! item kinds and statuses, age groups, ratings, the https-only video address, and how long a
//! consultation has waited, in words. No I/O and no clock.

use serde::{Deserialize, Serialize};

use crate::{Invalid, Level};

/// The level of a guidance centre: the level of its region. Provinces have none here.
pub fn centre_level(level: Level) -> Result<Level, Invalid> {
    match level {
        Level::City | Level::County | Level::Town | Level::Village => Ok(level),
        Level::Province => Err(Invalid::field("region", "家庭教育指导中心应设在市、县(区)、镇(街道)或村(社区)")),
    }
}

/// The name a centre is usually given: 西陵区家庭教育指导中心, 土街头社区家庭教育指导站.
pub fn centre_name(region_name: &str, level: Level) -> String {
    match level {
        Level::Town | Level::Village => format!("{region_name}家庭教育指导站"),
        _ => format!("{region_name}家庭教育指导中心"),
    }
}

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $field:literal, $what:literal, [$($variant:ident => $code:literal, $label:literal;)+]) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// By code or label.
            pub fn parse(s: &str) -> Result<$name, Invalid> {
                let word = s.trim();
                let code = word.to_ascii_lowercase();
                $name::ALL.iter().copied().find(|k| k.code() == code || k.label() == word).ok_or_else(|| {
                    let labels: Vec<&str> = $name::ALL.iter().map(|k| k.label()).collect();
                    Invalid::field($field, format!("{}应为 {} 之一", $what, labels.join("、")))
                })
            }
        }
    };
}

vocabulary!(
    /// Where a guidance activity went ("三进").
    ActivityKind, "kind", "活动类别", [
        Community => "community", "进社区";
        School => "school", "进学校";
        Rural => "rural", "进农村";
    ]
);

vocabulary!(
    /// What a parent-school item is.
    ItemKind, "kind", "内容类别", [
        Article => "article", "文章";
        Video => "video", "视频";
    ]
);

vocabulary!(
    /// The child's age an item or a question is about.
    AgeGroup, "age_group", "适用年龄段", [
        All => "all", "通用";
        Infant => "infant", "0-3岁";
        Preschool => "preschool", "3-6岁";
        Primary => "primary", "小学";
        Junior => "junior", "初中";
        Senior => "senior", "高中";
    ]
);

vocabulary!(
    /// The parent's rating of an answer.
    Rating, "rating", "评价", [
        Good => "good", "满意";
        Ok => "ok", "基本满意";
        Poor => "poor", "不满意";
    ]
);

/// A parent-school item is a draft until published; only published items are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Draft,
    Published,
}

impl ItemStatus {
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Published => "published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Draft => "草稿",
            ItemStatus::Published => "已发布",
        }
    }

    pub fn from_code(s: &str) -> Option<ItemStatus> {
        [ItemStatus::Draft, ItemStatus::Published].into_iter().find(|k| k.code() == s)
    }
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStatus {
    /// Asked, no expert assigned yet.
    Waiting,
    /// An expert is assigned, no answer yet.
    Assigned,
    /// Answered, not rated.
    Answered,
    /// Answered and rated by the parent.
    Rated,
}

impl ConsultationStatus {
    pub fn code(self) -> &'static str {
        match self {
            ConsultationStatus::Waiting => "waiting",
            ConsultationStatus::Assigned => "assigned",
            ConsultationStatus::Answered => "answered",
            ConsultationStatus::Rated => "rated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConsultationStatus::Waiting => "待分派专家",
            ConsultationStatus::Assigned => "待专家解答",
            ConsultationStatus::Answered => "已解答",
            ConsultationStatus::Rated => "已评价",
        }
    }

    pub fn of(assigned: bool, answered: bool, rated: bool) -> ConsultationStatus {
        match (assigned, answered, rated) {
            (_, true, true) => ConsultationStatus::Rated,
            (_, true, false) => ConsultationStatus::Answered,
            (true, false, _) => ConsultationStatus::Assigned,
            (false, false, _) => ConsultationStatus::Waiting,
        }
    }
}

/// The longest video address accepted.
pub const MAX_URL_CHARS: usize = 500;

/// A video's address: `https://host/…` only (never plain http, never `javascript:` or a relative
/// path), no spaces or control characters, at most [`MAX_URL_CHARS`] characters.
pub fn parse_video_url(s: &str) -> Result<String, Invalid> {
    let url = s.trim();
    let bad = |m: &str| Err(Invalid::field("video_url", m));
    if url.is_empty() {
        return bad("请填写视频地址");
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err(Invalid::field("video_url", format!("视频地址不能超过 {MAX_URL_CHARS} 个字符")));
    }
    let Some(rest) = url.get(..8).filter(|p| p.eq_ignore_ascii_case("https://")).map(|_| &url[8..]) else {
        return bad("视频地址必须以 https:// 开头（只接受加密的 https 地址）");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`')) {
        return bad("视频地址不能含有空格、引号或尖括号");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let name = host.split(':').next().unwrap_or("");
    if name.is_empty() || !name.contains('.') || name.starts_with('.') || name.ends_with('.') {
        return bad("视频地址缺少有效的网站域名，如 https://v.example.cn/…");
    }
    Ok(url.to_owned())
}

/// How long something has waited, in words: 45分钟, 3小时20分钟, 2天5小时.
pub fn wait_words(ms: i64) -> String {
    let minutes = (ms.max(0)) / 60_000;
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    if days > 0 {
        format!("{days}天{hours}小时")
    } else if hours > 0 {
        format!("{hours}小时{mins}分钟")
    } else {
        format!("{mins}分钟")
    }
}

/// Satisfaction in percent with one decimal: good ratings over rated answers; None when none
/// was rated.
pub fn satisfaction(good: i64, rated: i64) -> Option<f64> {
    (rated > 0).then(|| (good as f64 * 1000.0 / rated as f64).round() / 10.0)
}

/// The longest article body accepted (characters).
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest question or answer accepted (characters).
pub const MAX_QUESTION_CHARS: usize = 2_000;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn video_addresses_must_be_https() {
        assert_eq!(parse_video_url(" https://v.example.cn/a.mp4 ").unwrap(), "https://v.example.cn/a.mp4");
        assert!(parse_video_url("HTTPS://v.example.cn/x?y=1#t").is_ok());
        for bad in ["http://v.example.cn/a.mp4", "javascript:alert(1)", "//v.example.cn/a", "ftp://x.cn/a", "v.example.cn/a", ""] {
            assert!(parse_video_url(bad).is_err(), "{bad}");
        }
        assert!(parse_video_url("http://v.example.cn/a.mp4").unwrap_err().summary().contains("https://"));
        assert!(parse_video_url("https://localhost/a").is_err());
        assert!(parse_video_url("https:///a").is_err());
        assert!(parse_video_url("https://v.example.cn/a b").is_err());
        assert!(parse_video_url("https://v.example.cn/\"onload=").is_err());
        assert!(parse_video_url(&format!("https://v.example.cn/{}", "a".repeat(600))).is_err());
    }

    #[test]
    fn waits_read_in_words() {
        assert_eq!(wait_words(0), "0分钟");
        assert_eq!(wait_words(45 * 60_000), "45分钟");
        assert_eq!(wait_words((3 * 60 + 20) * 60_000), "3小时20分钟");
        assert_eq!(wait_words((2 * 1440 + 5 * 60 + 7) * 60_000), "2天5小时");
        assert_eq!(wait_words(-5), "0分钟");
    }

    #[test]
    fn vocabularies_parse_codes_and_labels() {
        assert_eq!(ActivityKind::parse("进学校").unwrap(), ActivityKind::School);
        assert_eq!(ActivityKind::parse("Rural").unwrap(), ActivityKind::Rural);
        assert!(ActivityKind::parse("进工厂").unwrap_err().summary().contains("进社区、进学校、进农村"));
        assert_eq!(Rating::parse("满意").unwrap(), Rating::Good);
        assert_eq!(Rating::parse("poor").unwrap(), Rating::Poor);
        assert!(Rating::parse("很好").is_err());
        for a in AgeGroup::ALL {
            assert_eq!(AgeGroup::parse(a.code()).unwrap(), *a);
            assert_eq!(AgeGroup::parse(a.label()).unwrap(), *a);
        }
        assert_eq!(ItemKind::parse("视频").unwrap(), ItemKind::Video);
    }

    #[test]
    fn centres_follow_the_region_level() {
        assert_eq!(centre_level(Level::Town).unwrap(), Level::Town);
        assert!(centre_level(Level::Province).is_err());
        assert_eq!(centre_name("西陵区", Level::County), "西陵区家庭教育指导中心");
        assert_eq!(centre_name("土街头社区", Level::Village), "土街头社区家庭教育指导站");
    }

    #[test]
    fn satisfaction_is_good_over_rated() {
        assert_eq!(satisfaction(0, 0), None);
        assert_eq!(satisfaction(2, 3), Some(66.7));
        assert_eq!(satisfaction(3, 3), Some(100.0));
        assert_eq!(ConsultationStatus::of(true, true, false), ConsultationStatus::Answered);
        assert_eq!(ConsultationStatus::of(false, false, false), ConsultationStatus::Waiting);
    }
}
