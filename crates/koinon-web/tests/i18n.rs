//! Translations are complete: en, el, bg and et define the same keys, every key the templates
//! and handlers use exists, and every role and organisation kind has a name.

use std::collections::BTreeSet;
use std::path::Path;

use koinon_core::locale::Locale;
use koinon_core::org::OrganisationKind;
use koinon_core::role::Role;
use koinon_web::i18n::{keys, tr};

fn key_set(locale: Locale) -> BTreeSet<String> {
    keys(locale).into_iter().collect()
}

#[test]
fn complete_locales_define_the_same_keys() {
    let en = key_set(Locale::En);
    assert!(en.len() > 100, "English has its keys");
    for locale in Locale::COMPLETE {
        let other = key_set(locale);
        let missing: Vec<_> = en.difference(&other).collect();
        let extra: Vec<_> = other.difference(&en).collect();
        assert!(missing.is_empty(), "{} lacks keys: {missing:?}", locale.code());
        assert!(extra.is_empty(), "{} has keys English lacks: {extra:?}", locale.code());
    }
}

#[test]
fn translations_differ_from_english_and_resolve() {
    // A copied English file would pass the key test; the greeting of the home page must differ.
    let en = tr(Locale::En, "home-title");
    for locale in [Locale::El, Locale::Bg, Locale::Et] {
        let text = tr(locale, "home-title");
        assert_ne!(text, en, "{} home-title is translated", locale.code());
        assert_ne!(text, "home-title");
    }
    // Placeables are filled, with no Unicode isolation marks in the HTML.
    let text = koinon_web::i18n::tr_args(Locale::El, "dashboard-signed-in-as", &[("role", "X".into())]);
    assert!(text.contains('X') && !text.contains('\u{2068}'), "{text}");
    // Locales that are only set up fall back to English.
    assert_eq!(tr(Locale::Pt, "sign-in"), tr(Locale::En, "sign-in"));
}

#[test]
fn every_role_and_kind_has_a_name() {
    for locale in Locale::COMPLETE {
        let set = key_set(locale);
        for role in Role::ALL {
            assert!(set.contains(&format!("role-{}", role.as_str())), "{} role {}", locale.code(), role.as_str());
        }
        for reason in koinon_core::outcomes::Refusal::ALL {
            let key = format!("refusal-{}", reason.code().replace('_', "-"));
            assert!(set.contains(&key), "{} {key}", locale.code());
        }
        for mechanism in ["rate_card", "comparison_threshold", "savings_share", "fixed_targets"] {
            let key = format!("outcomes-mechanism-{}", mechanism.replace('_', "-"));
            assert!(set.contains(&key), "{} {key}", locale.code());
        }
        for cap in ["participant", "period", "contract"] {
            assert!(set.contains(&format!("outcomes-cap-{cap}")), "{} outcomes-cap-{cap}", locale.code());
        }
        for field in ["contract", "participants", "claims", "results"] {
            assert!(set.contains(&format!("outcomes-field-{field}")), "{} outcomes-field-{field}", locale.code());
            assert!(set.contains(&format!("outcomes-hint-{field}")), "{} outcomes-hint-{field}", locale.code());
        }
        for kind in OrganisationKind::ALL {
            let key = format!("org-kind-{}", kind.as_str().replace('_', "-"));
            assert!(set.contains(&key), "{} {key}", locale.code());
        }
    }
}

/// Collects `"some-key"` literals that look like message ids from the templates and the HTML
/// code, and checks each exists in English.
#[test]
fn every_key_used_exists() {
    let en = key_set(Locale::En);
    let prefixes: BTreeSet<&str> = en.iter().filter_map(|k| k.split('-').next()).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["templates", "src/html"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                sources.push((path.clone(), std::fs::read_to_string(&path).expect("read")));
            }
        }
    }
    sources.push((root.join("src/error.rs"), std::fs::read_to_string(root.join("src/error.rs")).expect("read")));
    let mut missing = Vec::new();
    for (path, text) in &sources {
        let is_template = path.extension().is_some_and(|e| e == "html");
        let pieces: Vec<&str> = text.split('"').collect();
        for (i, literal) in pieces.iter().enumerate().skip(1).step_by(2) {
            // In templates only the arguments of l.t(...) and l.t1(...) are keys (class names
            // are not); in Rust every key-like literal is.
            let called = pieces[i - 1].ends_with("l.t(") || pieces[i - 1].ends_with("l.t1(");
            let looks_like_key = literal.contains('-')
                && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !literal.ends_with('-')
                && literal.split('-').next().is_some_and(|p| prefixes.contains(p));
            if (called || (!is_template && looks_like_key)) && !en.contains(*literal) {
                missing.push(format!("{}: {literal}", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "keys used but not defined in en:\n{}", missing.join("\n"));
}
