//! Translations with Fluent (`locales/<lang>/main.ftl`), and the helpers templates use.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use koinon_core::locale::Locale;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn language_id(locale: Locale) -> &'static LanguageIdentifier {
    static IDS: OnceLock<Vec<LanguageIdentifier>> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        Locale::ALL.iter().map(|l| l.code().parse().unwrap_or_else(|_| LanguageIdentifier::default())).collect()
    });
    let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
    &ids[index]
}

/// Translates `key` into `locale`, falling back to English, then to the key itself.
pub fn tr(locale: Locale, key: &str) -> String {
    LOCALES.try_lookup(language_id(locale), key).unwrap_or_else(|| key.to_string())
}

/// Translates with named arguments (`{ $name }` in the message).
pub fn tr_args(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'_>> =
        args.iter().map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone()))).collect();
    LOCALES.try_lookup_with_args(language_id(locale), key, &map).unwrap_or_else(|| key.to_string())
}

/// The message ids defined in a locale's own files (read from the embedded sources).
pub fn keys(locale: Locale) -> Vec<String> {
    /// Every file of a locale, in load order; each feature keeps its strings in its own file.
    macro_rules! files {
        ($lang:literal) => {
            [
                include_str!(concat!("../locales/", $lang, "/main.ftl")),
                include_str!(concat!("../locales/", $lang, "/pages.ftl")),
                include_str!(concat!("../locales/", $lang, "/designer.ftl")),
                include_str!(concat!("../locales/", $lang, "/dashboard.ftl")),
                include_str!(concat!("../locales/", $lang, "/evidence.ftl")),
                include_str!(concat!("../locales/", $lang, "/feasibility.ftl")),
                include_str!(concat!("../locales/", $lang, "/indigo.ftl")),
                include_str!(concat!("../locales/", $lang, "/currency.ftl")),
                include_str!(concat!("../locales/", $lang, "/currency_figures.ftl")),
                include_str!(concat!("../locales/", $lang, "/merchants.ftl")),
                include_str!(concat!("../locales/", $lang, "/currency_decay.ftl")),
                include_str!(concat!("../locales/", $lang, "/currency_pay.ftl")),
                include_str!(concat!("../locales/", $lang, "/merchant_statement.ftl")),
            ]
        };
    }
    let sources: [&str; 13] = match locale {
        Locale::En => files!("en"),
        Locale::El => files!("el"),
        Locale::Bg => files!("bg"),
        Locale::Et => files!("et"),
        _ => [""; 13],
    };
    sources
        .iter()
        .flat_map(|source| source.lines())
        .filter(|l| !l.starts_with([' ', '#', '.', '\t']) && !l.is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}
