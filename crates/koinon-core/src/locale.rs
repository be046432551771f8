//! Locales koinon speaks, and number, money and date formatting per locale.
//!
//! Fluent translates sentences; it does not format numbers. This module does, exactly, from
//! integer minor units, with the separators and month names of each locale.

use crate::money::minor_to_decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    En,
    El,
    Bg,
    Et,
    Pt,
    Es,
    It,
    Hu,
    Pl,
    Ro,
    Nl,
    Da,
    Ar,
}

/// Text direction of a locale's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ltr => "ltr",
            Direction::Rtl => "rtl",
        }
    }
}

struct NumberStyle {
    group: &'static str,
    decimal: &'static str,
    /// `true`: `€1,234.56`; `false`: `1.234,56 €`.
    symbol_first: bool,
}

impl Locale {
    pub const ALL: [Locale; 13] = [
        Locale::En,
        Locale::El,
        Locale::Bg,
        Locale::Et,
        Locale::Pt,
        Locale::Es,
        Locale::It,
        Locale::Hu,
        Locale::Pl,
        Locale::Ro,
        Locale::Nl,
        Locale::Da,
        Locale::Ar,
    ];

    /// The locales whose translations are complete (a test fails on any missing key).
    pub const COMPLETE: [Locale; 4] = [Locale::En, Locale::El, Locale::Bg, Locale::Et];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::El => "el",
            Locale::Bg => "bg",
            Locale::Et => "et",
            Locale::Pt => "pt",
            Locale::Es => "es",
            Locale::It => "it",
            Locale::Hu => "hu",
            Locale::Pl => "pl",
            Locale::Ro => "ro",
            Locale::Nl => "nl",
            Locale::Da => "da",
            Locale::Ar => "ar",
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::El => "Ελληνικά",
            Locale::Bg => "Български",
            Locale::Et => "Eesti",
            Locale::Pt => "Português",
            Locale::Es => "Español",
            Locale::It => "Italiano",
            Locale::Hu => "Magyar",
            Locale::Pl => "Polski",
            Locale::Ro => "Română",
            Locale::Nl => "Nederlands",
            Locale::Da => "Dansk",
            Locale::Ar => "العربية",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Locale::Ar => Direction::Rtl,
            _ => Direction::Ltr,
        }
    }

    /// Parses a language tag (`el`, `el-GR`, `EN_gb`) to a locale koinon speaks.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// Picks the best locale from an HTTP `Accept-Language` header, by quality.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(u16, Self)> = None;
        for (position, part) in accept_language.split(',').take(32).enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let quality = pieces.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1000), parse_quality);
            let (Some(locale), Some(q)) = (Self::from_tag(tag), quality) else { continue };
            if q == 0 {
                continue;
            }
            // Earlier entries win ties.
            let _ = position;
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    fn number_style(self) -> NumberStyle {
        const NBSP: &str = "\u{a0}";
        match self {
            Locale::En | Locale::Ar => NumberStyle { group: ",", decimal: ".", symbol_first: true },
            Locale::El | Locale::Es | Locale::It | Locale::Ro | Locale::Nl | Locale::Da => {
                NumberStyle { group: ".", decimal: ",", symbol_first: false }
            }
            Locale::Bg | Locale::Et | Locale::Pt | Locale::Hu | Locale::Pl => {
                NumberStyle { group: NBSP, decimal: ",", symbol_first: false }
            }
        }
    }

    /// Formats minor units at `scale` with this locale's separators: `1234567`, 2 →
    /// `12,345.67` (en) or `12.345,67` (el).
    pub fn format_decimal(self, amount_minor: i64, scale: u8) -> String {
        let style = self.number_style();
        let plain = minor_to_decimal(amount_minor, scale);
        let (sign, unsigned) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (whole, frac) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 * 2);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push_str(style.group);
            }
            grouped.push(ch);
        }
        match frac {
            Some(f) => format!("{sign}{grouped}{}{f}", style.decimal),
            None => format!("{sign}{grouped}"),
        }
    }

    /// Formats an integer count (`1,234` / `1.234`).
    pub fn format_count(self, count: i64) -> String {
        self.format_decimal(count, 0)
    }

    /// Formats money with its currency: `€50,079.72` (en), `50.079,72 €` (el).
    pub fn format_money(self, amount_minor: i64, currency_code: &str, scale: u8) -> String {
        let number = self.format_decimal(amount_minor, scale);
        let symbol = currency_symbol(currency_code);
        if self.number_style().symbol_first {
            match number.strip_prefix('-') {
                Some(rest) => format!("-{symbol}{rest}"),
                None => format!("{symbol}{number}"),
            }
        } else {
            format!("{number}\u{a0}{symbol}")
        }
    }

    /// Formats a calendar date in this locale's long form: `23 November 2026` (en),
    /// `23 Νοεμβρίου 2026` (el), `23 ноември 2026 г.` (bg), `23. november 2026` (et).
    pub fn format_date(self, date: CivilDate) -> String {
        let CivilDate { year, month, day } = date;
        let m = usize::from(month.clamp(1, 12)) - 1;
        match self {
            Locale::En => format!("{day} {} {year}", MONTHS_EN[m]),
            Locale::El => format!("{day} {} {year}", MONTHS_EL_GENITIVE[m]),
            Locale::Bg => format!("{day} {} {year} г.", MONTHS_BG[m]),
            Locale::Et => format!("{day}. {} {year}", MONTHS_ET[m]),
            Locale::Hu => format!("{year}. {month:02}. {day:02}."),
            Locale::Pl | Locale::Ro | Locale::Da => format!("{day:02}.{month:02}.{year}"),
            Locale::Nl => format!("{day:02}-{month:02}-{year}"),
            Locale::Pt | Locale::Es | Locale::It | Locale::Ar => format!("{day:02}/{month:02}/{year}"),
        }
    }

    /// Date and time (UTC) of a timestamp in microseconds since the Unix epoch.
    pub fn format_timestamp_us(self, at_us: i64) -> String {
        let secs = at_us.div_euclid(1_000_000);
        let date = CivilDate::from_unix_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        format!("{} {:02}:{:02}:{:02} UTC", self.format_date(date), sod / 3600, sod % 3600 / 60, sod % 60)
    }
}

fn parse_quality(raw: &str) -> Option<u16> {
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// A currency's symbol where one is in common use, else its code.
pub fn currency_symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "GBP" => "£",
        "BGN" => "лв.",
        "HUF" => "Ft",
        "PLN" => "zł",
        "RON" => "lei",
        "DKK" => "kr.",
        "USD" => "$",
        other => other,
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_EL_GENITIVE: [&str; 12] = [
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
];
const MONTHS_BG: [&str; 12] = [
    "януари",
    "февруари",
    "март",
    "април",
    "май",
    "юни",
    "юли",
    "август",
    "септември",
    "октомври",
    "ноември",
    "декември",
];
const MONTHS_ET: [&str; 12] = [
    "jaanuar",
    "veebruar",
    "märts",
    "aprill",
    "mai",
    "juuni",
    "juuli",
    "august",
    "september",
    "oktoober",
    "november",
    "detsember",
];

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl CivilDate {
    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_per_locale() {
        assert_eq!(Locale::En.format_money(5_007_972, "EUR", 2), "€50,079.72");
        assert_eq!(Locale::El.format_money(5_007_972, "EUR", 2), "50.079,72\u{a0}€");
        assert_eq!(Locale::Bg.format_money(14_968_610, "EUR", 2), "149\u{a0}686,10\u{a0}€");
        assert_eq!(Locale::Et.format_money(-4_256_776, "EUR", 2), "-42\u{a0}567,76\u{a0}€");
        assert_eq!(Locale::En.format_money(-910_000, "GBP", 2), "-£9,100.00");
        assert_eq!(Locale::En.format_money(23_115_000, "GRAMA", 2), "GRAMA231,150.00");
        assert_eq!(Locale::En.format_count(4847), "4,847");
        assert_eq!(Locale::En.format_count(100), "100");
        assert_eq!(Locale::El.format_count(1_000_000), "1.000.000");
    }

    #[test]
    fn dates_per_locale() {
        let d = CivilDate { year: 2019, month: 10, day: 7 };
        assert_eq!(Locale::En.format_date(d), "7 October 2019");
        assert_eq!(Locale::El.format_date(d), "7 Οκτωβρίου 2019");
        assert_eq!(Locale::Bg.format_date(d), "7 октомври 2019 г.");
        assert_eq!(Locale::Et.format_date(d), "7. oktoober 2019");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(CivilDate::from_unix_days(0), CivilDate { year: 1970, month: 1, day: 1 });
        // 2020-01-27, the Fundão meeting.
        assert_eq!(CivilDate::from_unix_days(18_288), CivilDate { year: 2020, month: 1, day: 27 });
        assert_eq!(CivilDate::from_unix_days(-1), CivilDate { year: 1969, month: 12, day: 31 });
        assert_eq!(
            Locale::En.format_timestamp_us(1_580_083_200_000_000 + 3_661_000_000),
            "27 January 2020 01:01:01 UTC"
        );
    }

    #[test]
    fn negotiation() {
        assert_eq!(Locale::negotiate("el-GR,el;q=0.9,en;q=0.8"), Some(Locale::El));
        assert_eq!(Locale::negotiate("fr-FR, et;q=0.5, en;q=0.4"), Some(Locale::Et));
        assert_eq!(Locale::negotiate("en;q=0.2, bg;q=0.9"), Some(Locale::Bg));
        assert_eq!(Locale::negotiate("fr, de"), None);
        assert_eq!(Locale::negotiate("bg;q=0"), None);
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::from_tag("AR_eg").map(Locale::direction), Some(Direction::Rtl));
    }
}
