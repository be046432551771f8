//! Merchants of a municipal e-currency: the social-economy shops a municipality accredits to
//! accept its currency, what they apply with, how their accreditation moves (applied →
//! accredited or refused; accredited ⇄ suspended), and the rules a payment from a beneficiary
//! must pass before it becomes a ledger transfer ([`payment`]). Beneficiaries pay with a phone
//! or with a printed card whose code and PIN live in [`card`].

pub mod card;
pub mod payment;

use crate::FieldError;
use crate::currency::Category;
use crate::text;

/// Limits of an application.
pub const NAME_MAX_CHARS: usize = 120;
pub const AREA_MAX_CHARS: usize = 80;
pub const ADDRESS_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 2_000;
pub const REGISTRATION_MAX_CHARS: usize = 40;
pub const PHONE_MAX_CHARS: usize = 30;
/// Most spending categories one merchant sells.
pub const CATEGORIES_MAX: usize = 20;
/// The value of `r`, or `None` with its error kept in `errors`.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// What a shop applies for accreditation with (documents travel separately, as files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantApplication {
    pub name: String,
    /// The shop's company or association registration number, if it has one.
    pub registration: Option<String>,
    /// The district or neighbourhood, for the public directory.
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    /// The spending categories the shop sells, sorted, without repeats.
    pub categories: Vec<String>,
    pub email: text::Email,
    pub phone: Option<String>,
}

/// The fields of an application form, as typed.
#[derive(Debug, Clone, Default)]
pub struct MerchantApplicationInput<'a> {
    pub name: &'a str,
    pub registration: &'a str,
    pub area: &'a str,
    pub address: &'a str,
    pub description: &'a str,
    pub categories: &'a [&'a str],
    pub email: &'a str,
    pub phone: &'a str,
}

impl MerchantApplication {
    /// Every field checked; all the problems at once.
    pub fn parse(input: &MerchantApplicationInput<'_>) -> Result<MerchantApplication, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = keep(&mut errors, text::required("name", input.name, NAME_MAX_CHARS));
        let registration =
            keep(&mut errors, text::optional("registration", input.registration, REGISTRATION_MAX_CHARS));
        let area = keep(&mut errors, text::required("area", input.area, AREA_MAX_CHARS));
        let address = keep(&mut errors, text::required("address", input.address, ADDRESS_MAX_CHARS));
        let description = keep(&mut errors, text::optional("description", input.description, DESCRIPTION_MAX_CHARS));
        let email = keep(
            &mut errors,
            text::Email::parse(input.email).map_err(|mut e| {
                e.field = "email".into();
                e
            }),
        );
        let phone = keep(&mut errors, text::optional("phone", input.phone, PHONE_MAX_CHARS));
        let mut categories = Vec::new();
        for raw in input.categories.iter().filter(|c| !c.trim().is_empty()) {
            if let Some(c) = keep(&mut errors, Category::parse("categories", raw).map(|c| c.as_str().to_string())) {
                categories.push(c);
            }
        }
        categories.sort();
        categories.dedup();
        if categories.is_empty() {
            errors.push(FieldError::new("categories", "required", "Choose at least one category the shop sells"));
        } else if categories.len() > CATEGORIES_MAX {
            errors.push(FieldError::new(
                "categories",
                "too_many",
                format!("Choose at most {CATEGORIES_MAX} categories"),
            ));
        }
        match (name, registration, area, address, description, email, phone) {
            (
                Some(name),
                Some(registration),
                Some(area),
                Some(address),
                Some(description),
                Some(email),
                Some(phone),
            ) if errors.is_empty() => {
                Ok(MerchantApplication { name, registration, area, address, description, categories, email, phone })
            }
            _ => Err(errors),
        }
    }
}

/// Where a merchant's accreditation stands. Only an accredited merchant takes payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MerchantStatus {
    /// Applied, waiting for an officer's review.
    Applied,
    Accredited,
    Refused,
    /// Accredited once, stopped for now (it may be reinstated).
    Suspended,
}

/// What an officer does to an accreditation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccreditationAction {
    Accredit,
    Refuse,
    Suspend,
    Reinstate,
}

impl MerchantStatus {
    pub const ALL: [MerchantStatus; 4] =
        [MerchantStatus::Applied, MerchantStatus::Accredited, MerchantStatus::Refused, MerchantStatus::Suspended];

    pub fn as_str(self) -> &'static str {
        match self {
            MerchantStatus::Applied => "applied",
            MerchantStatus::Accredited => "accredited",
            MerchantStatus::Refused => "refused",
            MerchantStatus::Suspended => "suspended",
        }
    }

    pub fn parse(raw: &str) -> Option<MerchantStatus> {
        MerchantStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The status after `action`, or why it cannot be done from this one.
    pub fn after(self, action: AccreditationAction) -> Result<MerchantStatus, FieldError> {
        use AccreditationAction as A;
        use MerchantStatus as S;
        match (self, action) {
            (S::Applied, A::Accredit) => Ok(S::Accredited),
            (S::Applied, A::Refuse) => Ok(S::Refused),
            (S::Accredited, A::Suspend) => Ok(S::Suspended),
            (S::Suspended, A::Reinstate) => Ok(S::Accredited),
            (from, _) => Err(FieldError::new(
                "status",
                "invalid_transition",
                format!(
                    "A merchant that is {} cannot be {}",
                    from.as_str(),
                    match action {
                        A::Accredit => "accredited",
                        A::Refuse => "refused",
                        A::Suspend => "suspended",
                        A::Reinstate => "reinstated",
                    }
                ),
            )),
        }
    }

    /// Refusals and suspensions must say why (the merchant is told).
    pub fn needs_reason(action: AccreditationAction) -> bool {
        matches!(action, AccreditationAction::Refuse | AccreditationAction::Suspend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> MerchantApplicationInput<'static> {
        MerchantApplicationInput {
            name: "Cooperativa La Fageda del Barri",
            registration: "F-08123456",
            area: "Singuerlín",
            address: "Carrer de Mossèn Jacint Verdaguer 12",
            description: "",
            categories: &["food", "hygiene", "food", " "],
            email: "Botiga@Fageda.example.org",
            phone: "",
        }
    }

    #[test]
    fn an_application_is_read_with_its_categories_sorted_once() {
        let a = MerchantApplication::parse(&input()).expect("valid");
        assert_eq!(a.categories, ["food", "hygiene"]);
        assert_eq!(a.email.as_str(), "botiga@fageda.example.org");
        assert_eq!(a.description, None);
    }

    #[test]
    fn every_problem_of_an_application_is_named() {
        let bad = MerchantApplicationInput {
            name: "",
            area: "x",
            address: "",
            categories: &["Food!"],
            email: "not-an-email",
            ..input()
        };
        let errors = MerchantApplication::parse(&bad).expect_err("invalid");
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(fields.contains(&("name", "required")), "{fields:?}");
        assert!(fields.contains(&("address", "required")), "{fields:?}");
        assert!(fields.contains(&("categories", "invalid_category")), "{fields:?}");
        assert!(fields.contains(&("categories", "required")), "{fields:?}");
        assert!(fields.iter().any(|(f, _)| *f == "email"), "{fields:?}");
        let many: Vec<String> = (0..21).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let errors = MerchantApplication::parse(&MerchantApplicationInput { categories: &many, ..input() })
            .expect_err("too many");
        assert_eq!(errors[0].code, "too_many");
    }

    #[test]
    fn accreditation_moves_only_forward_or_between_accredited_and_suspended() {
        use AccreditationAction as A;
        use MerchantStatus as S;
        assert_eq!(S::Applied.after(A::Accredit), Ok(S::Accredited));
        assert_eq!(S::Applied.after(A::Refuse), Ok(S::Refused));
        assert_eq!(S::Accredited.after(A::Suspend), Ok(S::Suspended));
        assert_eq!(S::Suspended.after(A::Reinstate), Ok(S::Accredited));
        for (from, action) in [
            (S::Refused, A::Accredit),
            (S::Accredited, A::Accredit),
            (S::Suspended, A::Suspend),
            (S::Applied, A::Reinstate),
            (S::Refused, A::Reinstate),
        ] {
            let e = from.after(action).expect_err("not allowed");
            assert_eq!((e.field.as_str(), e.code), ("status", "invalid_transition"), "{from:?} {action:?}");
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert!(S::needs_reason(A::Suspend) && !S::needs_reason(A::Reinstate));
    }
}
