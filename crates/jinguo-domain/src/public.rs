//! Public accounts: the light accounts women, parents and families use on the public pages to
//! nominate, vote, object, ask and redeem (DESIGN.md §5, §9). A phone number and a password,
//! apart from staff accounts; consent to the processing of personal information is asked for
//! separately from the terms of use, recorded with the version agreed to, and can be withdrawn.

use crate::Invalid;
use crate::access::check_password;
use crate::people::Phone;

/// What a consent was given for. Registration needs both; each is recorded on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentPurpose {
    /// 用户服务协议: the terms of use of the public pages.
    Terms,
    /// 个人信息处理: processing her phone number and what she submits (a nomination's story, a
    /// question about her child) for the programme she takes part in.
    PersonalInfo,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 2] = [ConsentPurpose::Terms, ConsentPurpose::PersonalInfo];

    pub fn code(self) -> &'static str {
        match self {
            ConsentPurpose::Terms => "terms",
            ConsentPurpose::PersonalInfo => "personal_info",
        }
    }

    pub fn parse(code: &str) -> Option<ConsentPurpose> {
        ConsentPurpose::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConsentPurpose::Terms => "用户服务协议",
            ConsentPurpose::PersonalInfo => "个人信息处理规则",
        }
    }

    /// The version of the text in force; a consent records the version it was given to.
    pub fn version(self) -> &'static str {
        match self {
            ConsentPurpose::Terms => "2026-11",
            ConsentPurpose::PersonalInfo => "2026-11",
        }
    }

    /// What she agrees to, in the words shown beside the box.
    pub fn text(self) -> &'static str {
        match self {
            ConsentPurpose::Terms => {
                "本服务由市妇联提供，用于参与家庭评选、家长学校咨询、家风积分兑换等妇联工作。请如实填写，不得冒用他人信息或恶意投票、恶意异议。"
            }
            ConsentPurpose::PersonalInfo => {
                "市妇联将处理您的手机号码（加密保存，仅用于登录和必要的联系）以及您主动提交的内容（推荐材料、咨询问题、异议理由），仅用于对应的妇联工作，不向无关单位提供。您可以随时在“我的账号”中撤回同意并停用账号。"
            }
        }
    }
}

/// What a visitor fills in to register.
#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    pub phone: String,
    pub nickname: String,
    pub password: String,
    pub confirm: String,
    pub agree_terms: bool,
    pub agree_personal_info: bool,
}

/// A registration that passed every check.
#[derive(Debug, Clone)]
pub struct Signup {
    pub phone: Phone,
    pub nickname: String,
    pub password: String,
}

/// Checks a registration: a mobile number, a name to be addressed by, a strong password typed
/// twice, and both consents given. Every failing field is reported at once.
pub fn check_signup(input: &SignupInput) -> Result<Signup, Invalid> {
    let mut invalid = Invalid::new();
    let phone = match Phone::parse(&input.phone) {
        Ok(p) if p.is_mobile() => Some(p),
        Ok(_) => {
            invalid.add("phone", "请填写手机号码（11 位），固定电话不能注册");
            None
        }
        Err(e) => {
            invalid.add("phone", e.summary());
            None
        }
    };
    let nickname = check_nickname(&input.nickname).map_err(|e| invalid.add("nickname", e.summary())).ok();
    if let Err(e) = check_password(&input.password) {
        invalid.add("password", e.summary());
    } else if input.password != input.confirm {
        invalid.add("confirm", "两次输入的密码不一致");
    }
    if !input.agree_terms {
        invalid.add("agree_terms", "请阅读并同意用户服务协议");
    }
    if !input.agree_personal_info {
        invalid.add("agree_personal_info", "请阅读并单独同意个人信息处理规则");
    }
    invalid.into_result()?;
    match (phone, nickname) {
        (Some(phone), Some(nickname)) => Ok(Signup { phone, nickname, password: input.password.clone() }),
        _ => Err(Invalid::field("phone", "请检查填写的内容")),
    }
}

/// How she is addressed on the pages: 1–20 characters, no markup or control characters.
pub fn check_nickname(s: &str) -> Result<String, Invalid> {
    let n = s.trim();
    if n.is_empty() {
        return Err(Invalid::field("nickname", "请填写称呼，如“王女士”"));
    }
    if n.chars().count() > 20 {
        return Err(Invalid::field("nickname", "称呼不能超过 20 个字"));
    }
    if n.chars().any(|c| c.is_control() || "<>\"'&".contains(c)) {
        return Err(Invalid::field("nickname", "称呼不能含有 < > \" ' & 等符号"));
    }
    Ok(n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> SignupInput {
        SignupInput {
            phone: "138 1234 5678".into(),
            nickname: "王女士".into(),
            password: "Jinguo-2026".into(),
            confirm: "Jinguo-2026".into(),
            agree_terms: true,
            agree_personal_info: true,
        }
    }

    #[test]
    fn a_good_signup_passes_with_the_number_normalised() {
        let s = check_signup(&good()).unwrap();
        assert_eq!(s.phone.as_str(), "13812345678");
        assert_eq!(s.nickname, "王女士");
    }

    #[test]
    fn consent_to_personal_information_is_asked_for_on_its_own() {
        let e = check_signup(&SignupInput { agree_personal_info: false, ..good() }).unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert!(e.message_for("agree_personal_info").unwrap().contains("单独同意"));
        let e = check_signup(&SignupInput { agree_terms: false, agree_personal_info: false, ..good() }).unwrap_err();
        assert_eq!(e.errors.len(), 2);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let e = check_signup(&SignupInput {
            phone: "0717-6221234".into(),
            nickname: "<b>".into(),
            password: "short".into(),
            confirm: "x".into(),
            agree_terms: true,
            agree_personal_info: true,
        })
        .unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["phone", "nickname", "password"]);
        assert!(e.message_for("phone").unwrap().contains("固定电话不能注册"));
    }

    #[test]
    fn a_mistyped_confirmation_is_named() {
        let e = check_signup(&SignupInput { confirm: "Jinguo-2025".into(), ..good() }).unwrap_err();
        assert_eq!(e.message_for("confirm"), Some("两次输入的密码不一致"));
    }

    #[test]
    fn purposes_round_trip_and_carry_a_version() {
        for p in ConsentPurpose::ALL {
            assert_eq!(ConsentPurpose::parse(p.code()), Some(p));
            assert!(!p.version().is_empty() && !p.text().is_empty());
        }
    }
}
