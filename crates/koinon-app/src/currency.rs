//! A municipality's complementary e-currency: defining it (rules, categories, the ledger and
//! accounts that carry it), funding its euro guarantee fund, social-assistance programmes, the
//! household list imported from CSV or XLSX (preview, then commit all or nothing), and monthly
//! issuance runs: previewed, prepared by an officer, approved by a different person (four
//! eyes), then posted as one linked ledger chain that commits or fails as one, with each
//! beneficiary notified through a [`Notifier`].
//!
//! The ledger conventions (account types, transfer codes, references) are those of
//! `docs/currency.md`; other modules (payments, redemption, figures) rely on them. Issuance
//! never leaves more units outstanding than the guarantee fund's euros back at the currency's
//! rate: a run that would is refused and nothing changes.

use std::collections::HashMap;
use std::sync::Arc;

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::currency::{
    AllocationRule, Category, CurrencyCode, Decay, ExchangeRate, HolderRule, Household, Month, PlanContext,
    RedemptionFee, households::parse_households, limits, parse_categories, plan_issuance,
};
use koinon_core::finance::{format_date, parse_date};
use koinon_core::ledger::{Id, Transfer, TransferFlags, format_id};
use koinon_core::locale::Locale;
use koinon_core::money::{minor_to_decimal, parse_minor};
use koinon_core::outcomes::InputError;
use koinon_core::text;
use koinon_store::Db;
use koinon_store::currency::{
    CurrencyAccounts, CurrencyFields, CurrencyRow, HouseholdFields, HouseholdRecord, IssuanceRunRow, NewProgramme,
    ProgrammeRow,
};
use koinon_store::ledger::{id_bytes, id_from};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::NewAccountInput;
use crate::outcome_files::ImportFile;
use crate::{Actor, App, AppError, Errors, audit};

/// Creates the currency's ledgers and accounts and posts its transfers once the policy has
/// allowed the user's action; the audit entry of the action names the user.
const CURRENCY: Actor = Actor::System("currency");
/// The euro ledger that backs every municipal currency.
pub const EUR: &str = "EUR";
/// A client's request id (funding), in characters.
pub const REQUEST_ID_MAX_CHARS: usize = 64;
/// A rejection reason, in characters.
pub const REASON_MAX_CHARS: usize = 1_000;

// ---- notifications ----

/// A message to one beneficiary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification<'a> {
    pub tenant_id: i64,
    pub household: &'a str,
    /// The phone number or email the social services gave, if any.
    pub contact: Option<&'a str>,
    pub locale: &'a str,
    pub message: &'a str,
}

/// Sends notifications to beneficiaries (an SMS or email gateway). Every notification is also
/// written to the notifications log with the channel and whether it was sent.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// The channel's name in the log (`log`, `sms`, `email`).
    fn channel(&self) -> &'static str;
    /// Hands the message to the gateway; an error is logged, never fatal to the issuance.
    fn send(&self, notification: &Notification<'_>) -> Result<(), String>;
}

/// The default: notifications are only written to the log (no gateway).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogOnlyNotifier;

impl Notifier for LogOnlyNotifier {
    fn channel(&self) -> &'static str {
        "log"
    }

    fn send(&self, _notification: &Notification<'_>) -> Result<(), String> {
        Ok(())
    }
}

pub(crate) type NotifierSlot = Arc<dyn Notifier>;

/// The issuance message in the beneficiary's language (en, el, bg, et; others in English).
pub fn issuance_message(locale: Locale, amount_minor: i64, code: &str, scale: u8, month: &str) -> String {
    let amount = format!("{}\u{a0}{code}", locale.format_decimal(amount_minor, scale));
    match locale {
        Locale::Bg => format!("{month}: във вашия портфейл са добавени {amount}."),
        Locale::El => format!("{month}: προστέθηκαν {amount} στο πορτοφόλι σας."),
        Locale::Et => format!("{month}: teie rahakotti lisati {amount}."),
        _ => format!("{month}: {amount} have been added to your wallet."),
    }
}

// ---- inputs and views ----

/// A currency's definition as a form or an API client sends it. Amounts are decimal text in
/// the currency (`300.00`); rates are basis points.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CurrencyInput {
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub scale: Option<i64>,
    /// `units:euros`, `1:1` when empty.
    pub rate: String,
    pub holders: String,
    /// Comma-separated category codes.
    pub categories: String,
    pub redemption_fee_bp: Option<i64>,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    /// `none`, `expiry` or `demurrage`.
    pub decay: String,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub wallet_balance_max: String,
    pub daily_spend_max: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyAccountsView {
    pub budget: String,
    pub guarantee_fund: String,
    pub liquidity: String,
    pub issuance: String,
    pub fees: String,
    pub rounding: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub scale: u8,
    pub rate: String,
    pub holders: String,
    pub categories: Vec<String>,
    pub redemption_fee_bp: i64,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    pub decay: String,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub wallet_balance_max_minor: Option<i64>,
    pub daily_spend_max_minor: Option<i64>,
    pub accounts: CurrencyAccountsView,
    /// Euro cents in the guarantee fund (posted, less pending debits).
    pub fund_eur_minor: i64,
    /// Units that left the issuance account and have not come back.
    pub outstanding_minor: i64,
    /// Whether the fund backs the outstanding units at the rate.
    pub backed: bool,
}

/// A programme as a form or an API client sends it. Amounts are decimal text in the currency.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProgrammeInput {
    pub currency_id: i64,
    pub name: String,
    pub start_on: String,
    pub end_on: String,
    pub budget: String,
    pub base_amount: String,
    pub per_member_amount: String,
    pub household_cap: String,
    /// Each run tops the guarantee fund up from the budget account by what it lacks.
    pub auto_backing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeView {
    pub id: i64,
    pub currency_id: i64,
    pub currency: String,
    pub scale: u8,
    pub name: String,
    pub start_on: String,
    pub end_on: String,
    pub budget_minor: i64,
    pub base_minor: i64,
    pub per_member_minor: i64,
    pub cap_minor: i64,
    pub auto_backing: bool,
    pub households: u64,
    /// Units of approved and posted runs.
    pub issued_minor: i64,
    pub budget_left_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdView {
    pub id: i64,
    pub household: String,
    pub size: i64,
    pub eligible_from: String,
    pub eligible_to: Option<String>,
    pub locale: Option<String>,
    /// Whether a contact is on file (the contact itself is not shown in lists).
    pub has_contact: bool,
    /// The monthly amount the programme's rule gives this household.
    pub monthly_minor: i64,
}

/// How a row of a household import fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdStatus {
    New,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdImportRow {
    /// The file's line (CSV, header = 1) or the worksheet's row (XLSX).
    pub line: u64,
    pub household: String,
    pub status: HouseholdStatus,
    pub code: Option<&'static str>,
    pub column: Option<String>,
    pub message: Option<String>,
}

/// What an import would do (preview) or did (commit), row by row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdImport {
    pub rows: Vec<HouseholdImportRow>,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub file_errors: Vec<InputError>,
    pub sheet: Option<String>,
    pub committed: bool,
}

impl HouseholdImport {
    fn is_clean(&self) -> bool {
        self.rejected == 0 && self.file_errors.is_empty()
    }

    /// Every problem as a field error naming the line (CSV) or row (worksheet) and column.
    fn errors(&self) -> AppError {
        let place = if self.sheet.is_some() { "row" } else { "line" };
        let mut errors: Vec<FieldError> = self
            .file_errors
            .iter()
            .map(|e| {
                FieldError::new(
                    e.line.map_or_else(|| "file".to_string(), |l| format!("{place} {l}")),
                    e.code,
                    e.message.clone(),
                )
            })
            .collect();
        errors.extend(
            self.rows.iter().filter(|r| r.status == HouseholdStatus::Rejected).take(limits::INPUT_ERRORS_MAX).map(
                |r| {
                    let field = match &r.column {
                        Some(c) => format!("{place} {} {c}", r.line),
                        None => format!("{place} {}", r.line),
                    };
                    FieldError::new(field, r.code.unwrap_or("rejected"), r.message.clone().unwrap_or_default())
                },
            ),
        );
        AppError::Invalid(errors)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceLineView {
    pub household: String,
    pub size: i64,
    pub amount_minor: i64,
    pub wallet: Option<String>,
}

/// A month's issuance before it is prepared: who gets what, against budget and backing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuancePreview {
    pub programme_id: i64,
    pub currency: String,
    pub scale: u8,
    pub month: String,
    pub lines: Vec<IssuanceLineView>,
    pub not_eligible: u64,
    pub total_minor: i64,
    pub budget_left_minor: i64,
    pub within_budget: bool,
    pub outstanding_minor: i64,
    pub fund_eur_minor: i64,
    /// Euro cents the run adds to the guarantee fund from the budget (auto backing) or lacks.
    pub backing_needed_eur_minor: i64,
    pub auto_backing: bool,
    /// Why the run cannot be prepared, if it cannot: `over_budget`, `not_backed`,
    /// `no_households`, `already_run`.
    pub refusal: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceRunView {
    pub id: i64,
    pub programme_id: i64,
    pub currency: String,
    pub scale: u8,
    pub month: String,
    /// `prepared`, `approved` (posting), `posted`, `rejected`.
    pub state: String,
    pub households: i64,
    pub total_minor: i64,
    pub backing_eur_minor: i64,
    pub prepared_by: String,
    pub approved_by: Option<String>,
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
    pub reference: String,
    pub lines: Vec<IssuanceLineView>,
    pub notifications: u64,
}

/// One line of a wallet's statement: what came in (positive) or went out (negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletEntry {
    pub at_us: i64,
    /// The transfer code: `issue`, `payment`, `demurrage`, ...
    pub code: String,
    pub amount_minor: i64,
    pub reference: Option<String>,
}

/// A beneficiary's wallet in one currency, with its statement (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalletView {
    pub currency: String,
    pub currency_name: String,
    pub scale: u8,
    pub household: String,
    pub programme: String,
    pub balance_minor: i64,
    pub entries: Vec<WalletEntry>,
    /// More entries exist than are shown.
    pub more: bool,
}

/// Statement lines shown on a wallet page.
pub const WALLET_ENTRIES_SHOWN: i64 = 200;

// ---- helpers ----

/// A 128-bit id derived from the names of what it identifies, so that creating or posting the
/// same thing again reuses the same ledger id (the ledger answers `exists`). A UUID version 8.
pub(crate) fn derived_id(parts: &str) -> Id {
    let digest = Sha256::digest(format!("koinon/currency/{parts}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    u128::from_be_bytes(b)
}

fn id_text(bytes: &[u8]) -> String {
    id_from(bytes).map(format_id).unwrap_or_default()
}

fn stored_id(bytes: &[u8]) -> Result<Id, AppError> {
    id_from(bytes).ok_or_else(|| AppError::Internal("stored ledger id is not 16 bytes".into()))
}

/// The wallet of a household in a currency: one per household reference, whatever the
/// programme.
pub fn wallet_id(tenant_id: i64, currency: &str, household: &str) -> Id {
    derived_id(&format!("wallet/{tenant_id}/{currency}/{household}"))
}

/// The reference every transfer of an issuance run carries.
pub fn run_reference(programme_id: i64, run_id: i64) -> String {
    format!("programme:{programme_id}/run:{run_id}")
}

fn scale_of(row: &CurrencyRow) -> u8 {
    u8::try_from(row.scale).unwrap_or(0)
}

fn rate_of(row: &CurrencyRow) -> ExchangeRate {
    ExchangeRate { units: row.rate_units.max(1), euros: row.rate_euros.max(1) }
}

fn optional_amount(field: &str, raw: &str, scale: u8) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let v = parse_minor(field, raw, scale)?;
    koinon_core::currency::amount(field, v, true).map(Some)
}

fn required_amount(field: &str, raw: &str, scale: u8, positive: bool) -> Result<i64, FieldError> {
    if raw.trim().is_empty() {
        return Err(FieldError::new(field, "required", format!("{field} is required")));
    }
    let v = parse_minor(field, raw, scale)?;
    koinon_core::currency::amount(field, v, positive)
}

fn required_date(field: &str, raw: &str) -> Result<String, FieldError> {
    parse_date(raw.trim())
        .map(format_date)
        .ok_or_else(|| FieldError::new(field, "invalid_date", format!("{field} must be a date like 2026-01-31")))
}

/// The parsed, checked fields of a currency definition.
struct ParsedCurrency {
    code: CurrencyCode,
    scale: u8,
    name: String,
    symbol: String,
    rate: ExchangeRate,
    holders: HolderRule,
    categories: Vec<Category>,
    redemption: RedemptionFee,
    decay: Decay,
    wallet_max: Option<i64>,
    daily_max: Option<i64>,
}

fn parse_currency(input: &CurrencyInput) -> Result<ParsedCurrency, AppError> {
    let mut errors = Errors::default();
    let code = errors.take(CurrencyCode::parse(&input.code));
    let scale = input.scale.unwrap_or(2);
    let scale = errors.take(
        u8::try_from(scale)
            .ok()
            .filter(|s| *s <= limits::SCALE_MAX)
            .ok_or_else(|| FieldError::new("scale", "invalid_scale", format!("Scale is 0 to {}", limits::SCALE_MAX))),
    );
    let name = errors.take(text::required("name", &input.name, limits::NAME_CHARS_MAX));
    let symbol = errors.take(text::required("symbol", &input.symbol, limits::SYMBOL_CHARS_MAX));
    let rate = errors.take(if input.rate.trim().is_empty() {
        Ok(ExchangeRate::default())
    } else {
        ExchangeRate::parse(&input.rate)
    });
    let holders = errors.take(HolderRule::parse(&input.holders));
    let categories = errors.take(parse_categories("categories", &input.categories));
    let redemption = errors.take(RedemptionFee::new(
        input.redemption_fee_bp.unwrap_or(0),
        input.early_redemption_fee_bp,
        input.early_redemption_days,
    ));
    let decay = errors.take(Decay::parse(&input.decay, input.expiry_months, input.demurrage_bp));
    let s = scale.unwrap_or(2);
    let wallet_max = errors.take(optional_amount("wallet_balance_max", &input.wallet_balance_max, s));
    let daily_max = errors.take(optional_amount("daily_spend_max", &input.daily_spend_max, s));
    errors.finish()?;
    match (code, scale, name, symbol, rate, holders, categories, redemption, decay, wallet_max, daily_max) {
        (
            Some(code),
            Some(scale),
            Some(name),
            Some(symbol),
            Some(rate),
            Some(holders),
            Some(categories),
            Some(redemption),
            Some(decay),
            Some(wallet_max),
            Some(daily_max),
        ) => Ok(ParsedCurrency {
            code,
            scale,
            name,
            symbol,
            rate,
            holders,
            categories,
            redemption,
            decay,
            wallet_max,
            daily_max,
        }),
        _ => Err(AppError::Internal("parsed inputs missing".into())),
    }
}

/// Checks a currency definition without storing anything: every bad field named.
pub fn check_currency_input(input: &CurrencyInput) -> Result<(), AppError> {
    parse_currency(input).map(|_| ())
}

fn fields(p: &ParsedCurrency) -> CurrencyFields<'_> {
    let (expiry_months, demurrage_bp) = match p.decay {
        Decay::None => (None, None),
        Decay::Expiry { months } => (Some(months), None),
        Decay::Demurrage { rate_bp } => (None, Some(rate_bp)),
    };
    CurrencyFields {
        name: &p.name,
        symbol: &p.symbol,
        rate_units: p.rate.units,
        rate_euros: p.rate.euros,
        holders: p.holders.as_str(),
        redemption_fee_bp: p.redemption.fee_bp,
        early_redemption_fee_bp: p.redemption.early_fee_bp,
        early_redemption_days: p.redemption.early_days,
        decay: p.decay.kind(),
        expiry_months,
        demurrage_bp,
        wallet_balance_max_minor: p.wallet_max,
        daily_spend_max_minor: p.daily_max,
    }
}

fn summary(p: &ParsedCurrency) -> serde_json::Value {
    serde_json::json!({
        "code": p.code.as_str(), "name": p.name, "symbol": p.symbol, "scale": p.scale, "rate": p.rate.to_string(),
        "holders": p.holders.as_str(), "categories": p.categories.iter().map(Category::as_str).collect::<Vec<_>>(),
        "redemption_fee_bp": p.redemption.fee_bp, "early_redemption_fee_bp": p.redemption.early_fee_bp,
        "early_redemption_days": p.redemption.early_days, "decay": p.decay,
        "wallet_balance_max_minor": p.wallet_max, "daily_spend_max_minor": p.daily_max,
    })
}

/// The guarantee fund's euro cents and the units outstanding, from the stored balances:
/// fund = credits posted − debits posted − debits pending of the `guarantee_fund` account;
/// outstanding = debits posted + debits pending − credits posted of the `issuance` account.
async fn backing_position(db: &mut Db<'_>, row: &CurrencyRow) -> Result<(i64, i64), AppError> {
    let fund = db.ledger_account(row.tenant_id, stored_id(&row.guarantee_fund_account)?).await?;
    let issuance = db.ledger_account(row.tenant_id, stored_id(&row.issuance_account)?).await?;
    let fund = fund.map_or(0, |a| a.credits_posted.saturating_sub(a.debits_posted).saturating_sub(a.debits_pending));
    let out = issuance.map_or(0, |a| a.debits_posted.saturating_add(a.debits_pending).saturating_sub(a.credits_posted));
    Ok((fund, out))
}

async fn currency_view(db: &mut Db<'_>, row: CurrencyRow) -> Result<CurrencyView, AppError> {
    let categories = db.currency_categories(row.id).await?;
    let (fund, outstanding) = backing_position(db, &row).await?;
    let scale = scale_of(&row);
    Ok(CurrencyView {
        backed: rate_of(&row).covers(fund, outstanding, scale),
        fund_eur_minor: fund,
        outstanding_minor: outstanding,
        accounts: CurrencyAccountsView {
            budget: id_text(&row.budget_account),
            guarantee_fund: id_text(&row.guarantee_fund_account),
            liquidity: id_text(&row.liquidity_account),
            issuance: id_text(&row.issuance_account),
            fees: id_text(&row.fees_account),
            rounding: id_text(&row.rounding_account),
        },
        rate: rate_of(&row).to_string(),
        id: row.id,
        code: row.code,
        name: row.name,
        symbol: row.symbol,
        scale,
        holders: row.holders,
        categories,
        redemption_fee_bp: row.redemption_fee_bp,
        early_redemption_fee_bp: row.early_redemption_fee_bp,
        early_redemption_days: row.early_redemption_days,
        decay: row.decay,
        expiry_months: row.expiry_months,
        demurrage_bp: row.demurrage_bp,
        wallet_balance_max_minor: row.wallet_balance_max_minor,
        daily_spend_max_minor: row.daily_spend_max_minor,
    })
}

async fn load_currency(db: &mut Db<'_>, tenant_id: i64, id: i64) -> Result<CurrencyRow, AppError> {
    db.currency(tenant_id, id).await?.ok_or_else(|| AppError::NotFound(format!("currency {id}")))
}

async fn load_programme(db: &mut Db<'_>, tenant_id: i64, id: i64) -> Result<(ProgrammeRow, CurrencyRow), AppError> {
    let p = db.programme(tenant_id, id).await?.ok_or_else(|| AppError::NotFound(format!("programme {id}")))?;
    let c = load_currency(db, tenant_id, p.currency_id).await?;
    Ok((p, c))
}

fn rule_of(p: &ProgrammeRow) -> AllocationRule {
    AllocationRule { base_minor: p.base_minor, per_member_minor: p.per_member_minor, cap_minor: p.cap_minor }
}

async fn programme_view(db: &mut Db<'_>, p: ProgrammeRow, c: &CurrencyRow) -> Result<ProgrammeView, AppError> {
    let households = db.programme_households(p.id).await?.len() as u64;
    let issued = db.programme_issued(p.id).await?;
    Ok(ProgrammeView {
        id: p.id,
        currency_id: c.id,
        currency: c.code.clone(),
        scale: scale_of(c),
        name: p.name,
        start_on: p.start_on,
        end_on: p.end_on,
        budget_minor: p.budget_minor,
        base_minor: p.base_minor,
        per_member_minor: p.per_member_minor,
        cap_minor: p.cap_minor,
        auto_backing: p.auto_backing != 0,
        households,
        issued_minor: issued,
        budget_left_minor: p.budget_minor.saturating_sub(issued),
    })
}

fn household_of(r: &HouseholdRecord) -> Household {
    Household {
        reference: r.household.clone(),
        size: r.size,
        eligible_from: r.eligible_from.clone(),
        eligible_to: r.eligible_to.clone(),
        locale: r.locale.clone(),
        contact: r.contact.clone(),
    }
}

fn same_household(r: &HouseholdRecord, h: &Household) -> bool {
    r.size == h.size
        && r.eligible_from == h.eligible_from
        && r.eligible_to == h.eligible_to
        && r.locale == h.locale
        && r.contact == h.contact
}

fn run_view(run: IssuanceRunRow, c: &CurrencyRow, lines: Vec<IssuanceLineView>, notifications: u64) -> IssuanceRunView {
    IssuanceRunView {
        reference: run_reference(run.programme_id, run.id),
        id: run.id,
        programme_id: run.programme_id,
        currency: c.code.clone(),
        scale: scale_of(c),
        month: run.month,
        state: run.state,
        households: run.households,
        total_minor: run.total_minor,
        backing_eur_minor: run.backing_eur_minor,
        prepared_by: run.prepared_by,
        approved_by: run.approved_by,
        rejected_by: run.rejected_by,
        rejection_reason: run.rejection_reason,
        lines,
        notifications,
    }
}

/// The plan of a month against the stored balances, reserved runs and the budget.
async fn plan_month(
    db: &mut Db<'_>,
    p: &ProgrammeRow,
    c: &CurrencyRow,
    month: Month,
) -> Result<(IssuancePreview, Vec<HouseholdRecord>), AppError> {
    let records = db.programme_households(p.id).await?;
    let households: Vec<Household> = records.iter().map(household_of).collect();
    let (fund, outstanding) = backing_position(db, c).await?;
    let (reserved_units, reserved_eur) = db.issuance_reserved(c.id).await?;
    let issued = db.programme_issued(p.id).await?;
    let (Some(start), Some(end)) = (parse_date(&p.start_on), parse_date(&p.end_on)) else {
        return Err(AppError::Internal(format!("programme {}: stored dates do not parse", p.id)));
    };
    let ctx = PlanContext {
        scale: scale_of(c),
        rate: rate_of(c),
        programme_start: start,
        programme_end: end,
        budget_left_minor: p.budget_minor.saturating_sub(issued),
        outstanding_minor: outstanding.saturating_add(reserved_units),
        fund_eur_minor: fund.saturating_add(reserved_eur),
    };
    let plan = plan_issuance(month, &rule_of(p), &households, &ctx)?;
    let auto_backing = p.auto_backing != 0;
    let refusal = if plan.lines.is_empty() {
        Some("no_households")
    } else if !plan.within_budget {
        Some("over_budget")
    } else if plan.backing_needed_eur_minor > 0 && !auto_backing {
        Some("not_backed")
    } else {
        None
    };
    let lines = plan
        .lines
        .iter()
        .map(|l| IssuanceLineView {
            household: l.household.clone(),
            size: l.size,
            amount_minor: l.amount_minor,
            wallet: None,
        })
        .collect();
    Ok((
        IssuancePreview {
            programme_id: p.id,
            currency: c.code.clone(),
            scale: scale_of(c),
            month: plan.month,
            lines,
            not_eligible: plan.not_eligible,
            total_minor: plan.total_minor,
            budget_left_minor: plan.budget_left_minor,
            within_budget: plan.within_budget,
            outstanding_minor: plan.outstanding_minor,
            fund_eur_minor: plan.fund_eur_minor,
            backing_needed_eur_minor: plan.backing_needed_eur_minor,
            auto_backing,
            refusal,
        },
        records,
    ))
}

fn refusal_error(preview: &IssuancePreview) -> Option<AppError> {
    let amount = |m: i64, s: u8| minor_to_decimal(m, s);
    Some(match preview.refusal? {
        "no_households" => {
            AppError::invalid("month", "no_households", format!("No household is eligible in {}", preview.month))
        }
        "over_budget" => AppError::invalid(
            "budget",
            "over_budget",
            format!(
                "{} {} for {} is more than the {} {} left in the programme's budget",
                amount(preview.total_minor, preview.scale),
                preview.currency,
                preview.month,
                amount(preview.budget_left_minor, preview.scale),
                preview.currency
            ),
        ),
        "not_backed" => AppError::invalid(
            "backing",
            "not_backed",
            format!(
                "Issuing {} {} would leave units not backed by the guarantee fund: it lacks {} EUR; fund it first",
                amount(preview.total_minor, preview.scale),
                preview.currency,
                amount(preview.backing_needed_eur_minor, 2)
            ),
        ),
        other => AppError::invalid("month", other, format!("The run for {} cannot be prepared", preview.month)),
    })
}

fn request_id_ok(raw: &str) -> Result<String, FieldError> {
    let r = raw.trim();
    if r.is_empty()
        || r.len() > REQUEST_ID_MAX_CHARS
        || !r.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(FieldError::new(
            "request_id",
            "invalid_request_id",
            format!("The request id is 1 to {REQUEST_ID_MAX_CHARS} of a-z, A-Z, 0-9, '-', '_', '.' (a UUID will do)"),
        ));
    }
    Ok(r.to_string())
}

impl App {
    /// Replaces the notifier (an SMS or email gateway); the default only writes the log.
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// The actor for an operator who names a user at the command line (`--as EMAIL`): that
    /// user's role in that user's municipality, so the policy and the four-eyes rule apply to
    /// the CLI as to the web. Returns the actor and the municipality.
    pub async fn operator_as(&self, email: &str) -> Result<(Actor, i64), AppError> {
        let email = text::Email::parse(email)?;
        let mut conn = self.store().conn().await?;
        let user = conn
            .db()
            .user_by_email(email.as_str())
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| AppError::NotFound(format!("user {email}")))?;
        let role = koinon_core::role::Role::parse(&user.role)?;
        let subject = koinon_core::authz::Subject {
            user_id: user.id,
            tenant_id: user.tenant_id,
            role,
            organisation_id: user.organisation_id,
        };
        Ok((Actor::User(subject), user.tenant_id))
    }

    // ---- currencies ----

    /// Defines a currency: its ledger (code and scale of the currency), the euro ledger if
    /// missing, and the accounts of `docs/currency.md`, then the currency and its categories.
    pub async fn define_currency(
        &self,
        actor: &Actor,
        tenant_id: i64,
        input: &CurrencyInput,
    ) -> Result<CurrencyView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let p = parse_currency(input)?;
        let code = p.code.as_str().to_string();
        {
            let mut conn = self.store().conn().await?;
            if conn.db().currency_by_code(tenant_id, &code).await?.is_some() {
                return Err(AppError::conflict("code", format!("Currency {code} already exists")));
            }
        }
        // The euro ledger may exist already under another name (an outcomes contract in euros
        // opens one named `EUR`): any EUR ledger of two decimals will do.
        let eur = {
            let mut conn = self.store().conn().await?;
            conn.db().ledger_by_code(tenant_id, EUR).await?
        };
        match eur {
            Some(l) if l.scale != 2 => {
                return Err(AppError::Internal(format!(
                    "the EUR ledger of municipality {tenant_id} has {} decimals",
                    l.scale
                )));
            }
            Some(_) => {}
            None => {
                self.create_ledger(&CURRENCY, tenant_id, EUR, "Euro", 2).await?;
            }
        }
        self.create_ledger(&CURRENCY, tenant_id, &code, &p.name, i64::from(p.scale)).await.map_err(|e| match e {
            AppError::Conflict(_) => {
                AppError::conflict("code", format!("A ledger {code} already exists with other settings"))
            }
            other => other,
        })?;
        let id = |what: &str| derived_id(&format!("account/{tenant_id}/{code}/{what}"));
        let owner = Some(format!("currency:{code}"));
        let account = |what: &str, ledger: &str, code: &str, flags: &[&str]| NewAccountInput {
            id: format_id(id(what)),
            ledger: ledger.to_string(),
            code: code.to_string(),
            owner: owner.clone(),
            flags: flags.iter().map(|f| (*f).to_string()).collect(),
        };
        let inputs = vec![
            account("budget", EUR, "budget", &[]),
            account("guarantee_fund", EUR, "guarantee_fund", &["debits_must_not_exceed_credits"]),
            account("liquidity", EUR, "liquidity", &[]),
            account("issuance", &code, "issuance", &[]),
            account("fees", &code, "fees", &[]),
            account("rounding", &code, "rounding", &[]),
        ];
        let results = self.create_accounts(&CURRENCY, tenant_id, &inputs).await?;
        if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
            return Err(AppError::Internal(format!("ledger account {}: {}", bad.id, bad.result)));
        }
        let accounts = CurrencyAccounts {
            budget: id_bytes(id("budget")),
            guarantee_fund: id_bytes(id("guarantee_fund")),
            liquidity: id_bytes(id("liquidity")),
            issuance: id_bytes(id("issuance")),
            fees: id_bytes(id("fees")),
            rounding: id_bytes(id("rounding")),
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let now = App::now_us();
        let currency_id = db
            .insert_currency(tenant_id, &code, i64::from(p.scale), &fields(&p), &accounts, &actor.audit_name(), now)
            .await
            .map_err(|e| {
                if e.is_conflict_on("currencies_tenant_code_key") || e.is_conflict_on("code") {
                    AppError::conflict("code", format!("Currency {code} already exists"))
                } else {
                    e.into()
                }
            })?;
        let cats: Vec<String> = p.categories.iter().map(|c| c.as_str().to_string()).collect();
        db.set_currency_categories(currency_id, &cats).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.define",
            &format!("currency:{currency_id}"),
            serde_json::json!({"after": summary(&p)}),
        )
        .await?;
        let row = load_currency(&mut db, tenant_id, currency_id).await?;
        let view = currency_view(&mut db, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Changes a currency's name, symbol, rate and rules (not its code or scale, which its
    /// ledger keeps).
    pub async fn update_currency(
        &self,
        actor: &Actor,
        tenant_id: i64,
        currency_id: i64,
        input: &CurrencyInput,
    ) -> Result<CurrencyView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let before = load_currency(&mut db, tenant_id, currency_id).await?;
        let mut input = input.clone();
        if input.code.trim().is_empty() {
            input.code.clone_from(&before.code);
        }
        let p = parse_currency(&input)?;
        if p.code.as_str() != before.code {
            return Err(AppError::invalid("code", "code_fixed", "A currency's code cannot change"));
        }
        if i64::from(p.scale) != before.scale {
            return Err(AppError::invalid("scale", "scale_fixed", "A currency's scale cannot change"));
        }
        if rate_of(&before) != p.rate {
            db.lock_currency(currency_id).await?;
            let (fund, outstanding) = backing_position(&mut db, &before).await?;
            if !p.rate.covers(fund, outstanding, p.scale) {
                return Err(AppError::invalid(
                    "rate",
                    "not_backed",
                    format!("At {} the guarantee fund would not back the units outstanding", p.rate),
                ));
            }
        }
        let old_categories = db.currency_categories(currency_id).await?;
        db.update_currency(currency_id, &fields(&p), App::now_us()).await?;
        let cats: Vec<String> = p.categories.iter().map(|c| c.as_str().to_string()).collect();
        db.set_currency_categories(currency_id, &cats).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.update",
            &format!("currency:{currency_id}"),
            serde_json::json!({"before": {"name": before.name, "symbol": before.symbol, "rate": rate_of(&before).to_string(),
                "holders": before.holders, "categories": old_categories, "redemption_fee_bp": before.redemption_fee_bp,
                "early_redemption_fee_bp": before.early_redemption_fee_bp, "early_redemption_days": before.early_redemption_days,
                "decay": before.decay, "expiry_months": before.expiry_months, "demurrage_bp": before.demurrage_bp,
                "wallet_balance_max_minor": before.wallet_balance_max_minor, "daily_spend_max_minor": before.daily_spend_max_minor},
                "after": summary(&p)}),
        )
        .await?;
        let row = load_currency(&mut db, tenant_id, currency_id).await?;
        let view = currency_view(&mut db, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn currency(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<CurrencyView, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let row = load_currency(&mut db, tenant_id, id).await?;
        currency_view(&mut db, row).await
    }

    pub async fn list_currencies(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<CurrencyView>, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.list_currencies(tenant_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(currency_view(&mut db, row).await?);
        }
        Ok(out)
    }

    /// Moves euros from the currency's budget account into its guarantee fund (transfer code
    /// `backing`). `request_id` is the client's id: the same request again moves nothing more.
    pub async fn fund_guarantee(
        &self,
        actor: &Actor,
        tenant_id: i64,
        currency_id: i64,
        amount_eur: &str,
        request_id: &str,
    ) -> Result<CurrencyView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let row = {
            let mut conn = self.store().conn().await?;
            load_currency(&mut conn.db(), tenant_id, currency_id).await?
        };
        let mut errors = Errors::default();
        let amount = errors.take(required_amount("amount_eur", amount_eur, 2, true));
        let request_id = errors.take(request_id_ok(request_id));
        errors.finish()?;
        let (Some(amount), Some(request_id)) = (amount, request_id) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let eur = {
            let mut conn = self.store().conn().await?;
            conn.db().ledger_by_code(tenant_id, EUR).await?.ok_or_else(|| AppError::Internal("no EUR ledger".into()))?
        };
        let transfer = Transfer {
            id: derived_id(&format!("funding/{tenant_id}/{}/{request_id}", row.code)),
            debit_account_id: stored_id(&row.budget_account)?,
            credit_account_id: stored_id(&row.guarantee_fund_account)?,
            amount,
            ledger: eur.id,
            code: "backing".into(),
            reference: Some(format!("currency:{}/funding:{request_id}", row.code)),
            flags: TransferFlags::default(),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        };
        let results = self.submit_transfers(&CURRENCY, tenant_id, vec![transfer.clone()]).await?;
        match results.first() {
            Some(koinon_core::ledger::TransferResult::Ok) => {
                let mut tx = self.store().begin().await?;
                let mut db = tx.db();
                audit::append(
                    &mut db,
                    actor,
                    Some(tenant_id),
                    "currency.fund_guarantee",
                    &format!("currency:{currency_id}"),
                    serde_json::json!({"after": {"amount_eur_minor": amount, "transfer": format_id(transfer.id), "request_id": request_id}}),
                )
                .await?;
                tx.commit().await?;
            }
            Some(koinon_core::ledger::TransferResult::Exists) => {}
            Some(koinon_core::ledger::TransferResult::ExistsWithDifferentFields) => {
                return Err(AppError::conflict("request_id", "This request id was used for another amount"));
            }
            other => {
                return Err(AppError::invalid(
                    "amount_eur",
                    "ledger_refused",
                    format!("The ledger refused the transfer: {}", other.map_or("no result", |r| r.as_str())),
                ));
            }
        }
        self.currency(actor, tenant_id, currency_id).await
    }

    // ---- programmes ----

    pub async fn create_programme(
        &self,
        actor: &Actor,
        tenant_id: i64,
        input: &ProgrammeInput,
    ) -> Result<ProgrammeView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let c = db.currency(tenant_id, input.currency_id).await?.ok_or_else(|| {
            AppError::invalid("currency_id", "unknown_currency", "No such currency in this municipality")
        })?;
        let s = scale_of(&c);
        let mut errors = Errors::default();
        let name = errors.take(text::required("name", &input.name, limits::NAME_CHARS_MAX));
        let start = errors.take(required_date("start_on", &input.start_on));
        let end = errors.take(required_date("end_on", &input.end_on));
        let budget = errors.take(required_amount("budget", &input.budget, s, true));
        let base = errors.take(required_amount("base_amount", &input.base_amount, s, true));
        let per = if input.per_member_amount.trim().is_empty() {
            Some(0)
        } else {
            errors.take(required_amount("per_member_amount", &input.per_member_amount, s, false))
        };
        let cap = if input.household_cap.trim().is_empty() {
            base
        } else {
            errors.take(required_amount("household_cap", &input.household_cap, s, true))
        };
        if let (Some(st), Some(en)) = (&start, &end)
            && en < st
        {
            errors.push(FieldError::new("end_on", "ends_before_start", "The programme ends before it starts"));
        }
        let rule = match (base, per, cap) {
            (Some(b), Some(p), Some(c)) => errors.take(AllocationRule::new(b, p, c)),
            _ => None,
        };
        errors.finish()?;
        let (Some(name), Some(start), Some(end), Some(budget), Some(rule)) = (name, start, end, budget, rule) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let id = db
            .insert_programme(&NewProgramme {
                tenant_id,
                currency_id: c.id,
                name: &name,
                start_on: &start,
                end_on: &end,
                budget_minor: budget,
                base_minor: rule.base_minor,
                per_member_minor: rule.per_member_minor,
                cap_minor: rule.cap_minor,
                auto_backing: input.auto_backing,
                created_by: &actor.audit_name(),
                at_us: App::now_us(),
            })
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.create_programme",
            &format!("currency_programme:{id}"),
            serde_json::json!({"after": {"currency": c.code, "name": name, "start_on": start, "end_on": end,
                "budget_minor": budget, "rule": rule, "auto_backing": input.auto_backing}}),
        )
        .await?;
        let (p, c) = load_programme(&mut db, tenant_id, id).await?;
        let view = programme_view(&mut db, p, &c).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn programme(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<ProgrammeView, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (p, c) = load_programme(&mut db, tenant_id, id).await?;
        programme_view(&mut db, p, &c).await
    }

    pub async fn list_programmes(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<ProgrammeView>, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.list_programmes(tenant_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for p in rows {
            let c = load_currency(&mut db, tenant_id, p.currency_id).await?;
            out.push(programme_view(&mut db, p, &c).await?);
        }
        Ok(out)
    }

    pub async fn programme_households(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
    ) -> Result<Vec<HouseholdView>, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (p, _) = load_programme(&mut db, tenant_id, programme_id).await?;
        let rule = rule_of(&p);
        Ok(db
            .programme_households(programme_id)
            .await?
            .into_iter()
            .map(|h| HouseholdView {
                id: h.id,
                monthly_minor: rule.amount_for(h.size),
                household: h.household,
                size: h.size,
                eligible_from: h.eligible_from,
                eligible_to: h.eligible_to,
                locale: h.locale,
                has_contact: h.contact.is_some(),
            })
            .collect())
    }

    /// Links a household of a programme to a beneficiary's user account by email (an empty
    /// email unlinks it), so the beneficiary sees the household's wallet on their own page.
    pub async fn link_household_user(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
        household: &str,
        email: &str,
    ) -> Result<HouseholdView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (p, _) = load_programme(&mut db, tenant_id, programme_id).await?;
        let records = db.programme_households(programme_id).await?;
        let record = records.iter().find(|h| h.household == household.trim()).ok_or_else(|| {
            AppError::invalid("household", "unknown_household", "No household with this reference in the programme")
        })?;
        let user_id = if email.trim().is_empty() {
            None
        } else {
            let email = text::Email::parse(email)?;
            let user =
                db.user_by_email(email.as_str()).await?.filter(|u| u.tenant_id == tenant_id).ok_or_else(|| {
                    AppError::invalid("email", "unknown_user", "No user with this email in this municipality")
                })?;
            if user.role != koinon_core::role::Role::Beneficiary.as_str() {
                return Err(AppError::invalid("email", "not_a_beneficiary", "The user is not a beneficiary"));
            }
            Some(user.id)
        };
        db.set_household_user(record.id, user_id).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.link_household",
            &format!("currency_household:{}", record.id),
            serde_json::json!({"before": {"user_id": record.user_id}, "after": {"user_id": user_id}}),
        )
        .await?;
        tx.commit().await?;
        Ok(HouseholdView {
            id: record.id,
            household: record.household.clone(),
            size: record.size,
            eligible_from: record.eligible_from.clone(),
            eligible_to: record.eligible_to.clone(),
            locale: record.locale.clone(),
            has_contact: record.contact.is_some(),
            monthly_minor: rule_of(&p).amount_for(record.size),
        })
    }

    /// The signed-in user's own wallets: one per household linked to them, with its balance
    /// and statement. Everyone sees only their own (a user with no linked household, none).
    pub async fn my_wallets(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<WalletView>, AppError> {
        let subject = actor.subject().ok_or(AppError::Forbidden)?;
        actor.require(Action::ManageOwnAccount, &Resource::user(tenant_id, subject.user_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let mut out = Vec::new();
        for h in db.households_of_user(tenant_id, subject.user_id).await? {
            let (p, c) = load_programme(&mut db, tenant_id, h.programme_id).await?;
            let wallet = wallet_id(tenant_id, &c.code, &h.household);
            let (balance, rows) = match db.ledger_account(tenant_id, wallet).await? {
                Some(a) => (
                    a.credits_posted.saturating_sub(a.debits_posted),
                    db.ledger_statement(wallet, 0, WALLET_ENTRIES_SHOWN + 1).await?,
                ),
                None => (0, Vec::new()),
            };
            let more = rows.len() as i64 > WALLET_ENTRIES_SHOWN;
            let me = id_bytes(wallet);
            let entries = rows
                .into_iter()
                .take(WALLET_ENTRIES_SHOWN as usize)
                .map(|t| WalletEntry {
                    at_us: t.ts,
                    amount_minor: if t.credit_account_id == me { t.amount } else { -t.amount },
                    code: t.code,
                    reference: t.reference,
                })
                .collect();
            out.push(WalletView {
                currency: c.code.clone(),
                currency_name: c.name.clone(),
                scale: scale_of(&c),
                household: h.household,
                programme: p.name,
                balance_minor: balance,
                entries,
                more,
            });
        }
        Ok(out)
    }

    // ---- household imports ----

    /// What importing the file would do, row by row; nothing is written.
    pub async fn preview_households(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
        file: &ImportFile,
    ) -> Result<HouseholdImport, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        load_programme(&mut db, tenant_id, programme_id).await?;
        let existing = db.programme_households(programme_id).await?;
        Ok(household_import(file, &existing).0)
    }

    /// Imports the file: new households are added, changed ones updated, all in one
    /// transaction; any problem refuses the whole file (naming each line or row and column)
    /// and nothing changes.
    pub async fn commit_households(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
        file: &ImportFile,
    ) -> Result<HouseholdImport, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        load_programme(&mut db, tenant_id, programme_id).await?;
        db.lock_programme(programme_id).await?;
        let existing = db.programme_households(programme_id).await?;
        let (mut report, parsed) = household_import(file, &existing);
        if !report.is_clean() {
            return Err(report.errors());
        }
        if existing.len() as u64 + report.new > limits::HOUSEHOLDS_MAX as u64 {
            return Err(AppError::invalid(
                "file",
                "too_many_households",
                format!("A programme holds at most {} households", limits::HOUSEHOLDS_MAX),
            ));
        }
        let by_ref: HashMap<&str, &HouseholdRecord> = existing.iter().map(|h| (h.household.as_str(), h)).collect();
        let who = actor.audit_name();
        let now = App::now_us();
        for h in &parsed {
            let f = HouseholdFields {
                household: &h.reference,
                size: h.size,
                eligible_from: &h.eligible_from,
                eligible_to: h.eligible_to.as_deref(),
                locale: h.locale.as_deref(),
                contact: h.contact.as_deref(),
            };
            match by_ref.get(h.reference.as_str()) {
                None => {
                    db.insert_household(programme_id, &f, &who, now).await?;
                }
                Some(r) if !same_household(r, h) => db.update_household(r.id, &f, &who, now).await?,
                Some(_) => {}
            }
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.import_households",
            &format!("currency_programme:{programme_id}"),
            serde_json::json!({"after": {"new": report.new, "updated": report.updated, "unchanged": report.unchanged,
                "sheet": report.sheet}}),
        )
        .await?;
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    // ---- issuance ----

    /// Who would get what in `month`, against the budget and the backing; nothing is written.
    pub async fn preview_issuance(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
        month: &str,
    ) -> Result<IssuancePreview, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (p, c) = load_programme(&mut db, tenant_id, programme_id).await?;
        let month = Month::parse(month)?;
        let (mut preview, _) = plan_month(&mut db, &p, &c, month).await?;
        if db.issuance_runs(programme_id).await?.iter().any(|r| r.month == preview.month && r.state != "rejected") {
            preview.refusal = Some("already_run");
        }
        Ok(preview)
    }

    /// Prepares the run of `month` (an officer): its lines are fixed now, with the wallet and
    /// transfer ids they will post to. Refused when over budget, not backed (without auto
    /// backing), without households, or when the month has a run already.
    pub async fn prepare_issuance(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
        month: &str,
    ) -> Result<IssuanceRunView, AppError> {
        actor.require(Action::PrepareIssuance, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let (p, c) = load_programme(&mut db, tenant_id, programme_id).await?;
        let month = Month::parse(month)?;
        db.lock_programme(programme_id).await?;
        if db.issuance_runs(programme_id).await?.iter().any(|r| r.month == month.to_string() && r.state != "rejected") {
            return Err(AppError::conflict("month", format!("{month} already has an issuance run")));
        }
        let (preview, records) = plan_month(&mut db, &p, &c, month).await?;
        if let Some(e) = refusal_error(&preview) {
            return Err(e);
        }
        let run_id = db
            .insert_issuance_run(
                programme_id,
                &preview.month,
                i64::try_from(preview.lines.len()).unwrap_or(i64::MAX),
                preview.total_minor,
                preview.backing_needed_eur_minor,
                &actor.audit_name(),
                App::now_us(),
            )
            .await
            .map_err(|e| {
                if e.is_conflict_on("month") {
                    AppError::conflict("month", format!("{month} already has an issuance run"))
                } else {
                    e.into()
                }
            })?;
        let by_ref: HashMap<&str, &HouseholdRecord> = records.iter().map(|h| (h.household.as_str(), h)).collect();
        for line in &preview.lines {
            let h = by_ref
                .get(line.household.as_str())
                .ok_or_else(|| AppError::Internal("line without household".into()))?;
            let wallet = wallet_id(tenant_id, &c.code, &h.household);
            let transfer = derived_id(&format!("issue/{tenant_id}/{run_id}/{}", h.id));
            db.insert_issuance_line(run_id, h.id, line.amount_minor, &id_bytes(wallet), &id_bytes(transfer)).await?;
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.prepare_issuance",
            &format!("currency_issuance_run:{run_id}"),
            serde_json::json!({"after": {"state": "prepared", "programme_id": programme_id, "month": preview.month,
                "households": preview.lines.len(), "total_minor": preview.total_minor,
                "backing_eur_minor": preview.backing_needed_eur_minor}}),
        )
        .await?;
        let view = load_run_view(&mut db, tenant_id, run_id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn issuance_run(&self, actor: &Actor, tenant_id: i64, run_id: i64) -> Result<IssuanceRunView, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        load_run_view(&mut conn.db(), tenant_id, run_id).await
    }

    pub async fn list_issuance_runs(
        &self,
        actor: &Actor,
        tenant_id: i64,
        programme_id: i64,
    ) -> Result<Vec<IssuanceRunView>, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (_, c) = load_programme(&mut db, tenant_id, programme_id).await?;
        Ok(db.issuance_runs(programme_id).await?.into_iter().map(|r| run_view(r, &c, Vec::new(), 0)).collect())
    }

    /// Sends a prepared run back with a reason (an approver); nothing is issued, and the month
    /// can be prepared again.
    pub async fn reject_issuance(
        &self,
        actor: &Actor,
        tenant_id: i64,
        run_id: i64,
        reason: &str,
    ) -> Result<IssuanceRunView, AppError> {
        actor.require(Action::ApproveIssuance, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        load_run_view(&mut db, tenant_id, run_id).await?;
        let reason = text::required("reason", reason, REASON_MAX_CHARS)?;
        if !db.reject_issuance_run(run_id, &actor.audit_name(), &reason).await? {
            return Err(AppError::invalid("state", "run_not_prepared", "Only a prepared run can be sent back"));
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.reject_issuance",
            &format!("currency_issuance_run:{run_id}"),
            serde_json::json!({"before": {"state": "prepared"}, "after": {"state": "rejected", "reason": reason}}),
        )
        .await?;
        let view = load_run_view(&mut db, tenant_id, run_id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Approves a prepared run (a different person from the one who prepared it) and posts it:
    /// one linked chain of the euro `backing` transfer (when the programme tops the fund up)
    /// and an `issue` transfer per household into its wallet (created as needed). The backing
    /// is checked again with the currency locked, counting runs approved and not yet posted;
    /// a run that would leave units unbacked is refused and nothing changes. Each beneficiary
    /// is then notified. Approving a run whose posting failed posts the same transfers again.
    pub async fn approve_issuance(
        &self,
        actor: &Actor,
        tenant_id: i64,
        run_id: i64,
    ) -> Result<IssuanceRunView, AppError> {
        actor.require(Action::ApproveIssuance, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let run = db.issuance_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("issuance run {run_id}")))?;
        let (p, c) = load_programme(&mut db, tenant_id, run.programme_id)
            .await
            .map_err(|_| AppError::NotFound(format!("issuance run {run_id}")))?;
        if run.prepared_by == actor.audit_name() {
            return Err(AppError::invalid(
                "approved_by",
                "preparer_cannot_approve",
                "The person who prepared an issuance run cannot approve it (four eyes)",
            ));
        }
        let backing = match run.state.as_str() {
            "prepared" => {
                db.lock_currency(c.id).await?;
                let (fund, outstanding) = backing_position(&mut db, &c).await?;
                let (reserved_units, reserved_eur) = db.issuance_reserved(c.id).await?;
                let issued = db.programme_issued(p.id).await?;
                if issued.saturating_add(run.total_minor) > p.budget_minor {
                    return Err(AppError::invalid(
                        "budget",
                        "over_budget",
                        "The run is more than the programme's budget has left",
                    ));
                }
                let units = outstanding.saturating_add(reserved_units).saturating_add(run.total_minor);
                let needed = rate_of(&c)
                    .euros_needed(units, scale_of(&c))
                    .saturating_sub(fund.saturating_add(reserved_eur))
                    .max(0);
                if needed > 0 && p.auto_backing == 0 {
                    return Err(AppError::invalid(
                        "backing",
                        "not_backed",
                        format!(
                            "Issuing {} {} would leave units not backed by the guarantee fund of {}: it lacks {} EUR; nothing was issued",
                            minor_to_decimal(run.total_minor, scale_of(&c)),
                            c.code,
                            c.code,
                            minor_to_decimal(needed, 2)
                        ),
                    ));
                }
                if !db.approve_issuance_run(run_id, &actor.audit_name(), App::now_us(), needed).await? {
                    return Err(AppError::conflict("state", "The run changed meanwhile; reload and try again"));
                }
                audit::append(
                    &mut db,
                    actor,
                    Some(tenant_id),
                    "currency.approve_issuance",
                    &format!("currency_issuance_run:{run_id}"),
                    serde_json::json!({"before": {"state": "prepared"}, "after": {"state": "approved",
                        "total_minor": run.total_minor, "backing_eur_minor": needed, "prepared_by": run.prepared_by}}),
                )
                .await?;
                needed
            }
            // Approved but not yet posted (the posting failed): the same transfers again.
            "approved" => run.backing_eur_minor,
            other => {
                return Err(AppError::invalid("state", "run_not_prepared", format!("The run is already {other}")));
            }
        };
        let lines = db.issuance_lines(run_id).await?;
        let eur = db.ledger_by_code(tenant_id, EUR).await?.ok_or_else(|| AppError::Internal("no EUR ledger".into()))?;
        let ledger = db
            .ledger_by_code(tenant_id, &c.code)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no ledger {}", c.code)))?;
        let records: HashMap<i64, HouseholdRecord> =
            db.programme_households(p.id).await?.into_iter().map(|h| (h.id, h)).collect();
        tx.commit().await?;

        // Wallets first (idempotent), then the chain.
        let wallets: Vec<NewAccountInput> = lines
            .iter()
            .map(|l| NewAccountInput {
                id: id_text(&l.wallet_account),
                ledger: c.code.clone(),
                code: "wallet".into(),
                owner: Some(format!("household:{}", l.household)),
                flags: vec!["debits_must_not_exceed_credits".into()],
            })
            .collect();
        for chunk in wallets.chunks(koinon_core::ledger::BATCH_MAX) {
            let results = self.create_accounts(&CURRENCY, tenant_id, chunk).await?;
            if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
                return Err(AppError::Internal(format!("wallet {}: {}", bad.id, bad.result)));
            }
        }
        let reference = run_reference(p.id, run_id);
        let mut chain = Vec::with_capacity(lines.len() + 1);
        if backing > 0 {
            chain.push(Transfer {
                id: derived_id(&format!("backing/{tenant_id}/{run_id}")),
                debit_account_id: stored_id(&c.budget_account)?,
                credit_account_id: stored_id(&c.guarantee_fund_account)?,
                amount: backing,
                ledger: eur.id,
                code: "backing".into(),
                reference: Some(reference.clone()),
                flags: TransferFlags(TransferFlags::LINKED),
                pending_id: None,
                timeout_s: 0,
                timestamp: 0,
            });
        }
        let issuance = stored_id(&c.issuance_account)?;
        for l in &lines {
            chain.push(Transfer {
                id: stored_id(&l.transfer_id)?,
                debit_account_id: issuance,
                credit_account_id: stored_id(&l.wallet_account)?,
                amount: l.amount_minor,
                ledger: ledger.id,
                code: "issue".into(),
                reference: Some(reference.clone()),
                flags: TransferFlags(TransferFlags::LINKED),
                pending_id: None,
                timeout_s: 0,
                timestamp: 0,
            });
        }
        if let Some(last) = chain.last_mut() {
            last.flags = TransferFlags::default();
        }
        let results = self.submit_transfers(&CURRENCY, tenant_id, chain).await?;
        if let Some((i, r)) = results.iter().enumerate().find(|(_, r)| !r.is_success()) {
            return Err(AppError::invalid(
                "transfers",
                "ledger_refused",
                format!(
                    "The ledger refused transfer {} of the run: {r}; nothing was issued (approve again to retry)",
                    i + 1
                ),
            ));
        }

        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.mark_issuance_run_posted(run_id, App::now_us()).await? {
            let scale = scale_of(&c);
            let month = run.month.clone();
            let mut logged = 0u64;
            for l in &lines {
                let Some(h) = records.get(&l.household_id) else { continue };
                let locale = h.locale.as_deref().and_then(Locale::from_tag).unwrap_or(Locale::En);
                let message = issuance_message(locale, l.amount_minor, &c.code, scale, &month);
                let n = Notification {
                    tenant_id,
                    household: &h.household,
                    contact: h.contact.as_deref(),
                    locale: locale.code(),
                    message: &message,
                };
                let status = match self.notifier.send(&n) {
                    Ok(()) if self.notifier.channel() == "log" => "logged",
                    Ok(()) => "sent",
                    Err(_) => "failed",
                };
                db.insert_notification(
                    tenant_id,
                    h.id,
                    Some(run_id),
                    self.notifier.channel(),
                    locale.code(),
                    &message,
                    status,
                    App::now_us(),
                )
                .await?;
                logged += 1;
            }
            audit::append(
                &mut db,
                actor,
                Some(tenant_id),
                "currency.issuance_posted",
                &format!("currency_issuance_run:{run_id}"),
                serde_json::json!({"after": {"state": "posted", "reference": reference, "transfers": lines.len() + usize::from(backing > 0),
                    "total_minor": run.total_minor, "backing_eur_minor": backing, "notifications": logged}}),
            )
            .await?;
        }
        let view = load_run_view(&mut db, tenant_id, run_id).await?;
        tx.commit().await?;
        Ok(view)
    }
}

async fn load_run_view(db: &mut Db<'_>, tenant_id: i64, run_id: i64) -> Result<IssuanceRunView, AppError> {
    let run = db.issuance_run(run_id).await?.ok_or_else(|| AppError::NotFound(format!("issuance run {run_id}")))?;
    let (_, c) = load_programme(db, tenant_id, run.programme_id)
        .await
        .map_err(|_| AppError::NotFound(format!("issuance run {run_id}")))?;
    let records: HashMap<i64, i64> =
        db.programme_households(run.programme_id).await?.into_iter().map(|h| (h.id, h.size)).collect();
    let lines = db
        .issuance_lines(run_id)
        .await?
        .into_iter()
        .map(|l| IssuanceLineView {
            size: records.get(&l.household_id).copied().unwrap_or(0),
            household: l.household,
            amount_minor: l.amount_minor,
            wallet: Some(id_text(&l.wallet_account)),
        })
        .collect();
    let notifications = db.run_notifications(run_id).await?.len() as u64;
    Ok(run_view(run, &c, lines, notifications))
}

/// Reads an import file against the households already stored: the report and the
/// households that parsed.
fn household_import(file: &ImportFile, existing: &[HouseholdRecord]) -> (HouseholdImport, Vec<Household>) {
    let by_ref: HashMap<&str, &HouseholdRecord> = existing.iter().map(|h| (h.household.as_str(), h)).collect();
    let sheet = file.sheet_name().map(str::to_string);
    let mut report = HouseholdImport {
        rows: Vec::new(),
        new: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        file_errors: Vec::new(),
        sheet,
        committed: false,
    };
    let mut parsed = Vec::new();
    match parse_households(file.csv()) {
        Err(errors) => {
            report.file_errors = errors
                .into_iter()
                .map(|mut e| {
                    e.line = e.line.map(|l| file.row_of_line(l));
                    e
                })
                .collect();
        }
        Ok(rows) => {
            for row in rows {
                let line = file.row_of_line(row.line);
                match row.result {
                    Ok(h) => {
                        let status = match by_ref.get(h.reference.as_str()) {
                            None => HouseholdStatus::New,
                            Some(r) if same_household(r, &h) => HouseholdStatus::Unchanged,
                            Some(_) => HouseholdStatus::Updated,
                        };
                        match status {
                            HouseholdStatus::New => report.new += 1,
                            HouseholdStatus::Updated => report.updated += 1,
                            _ => report.unchanged += 1,
                        }
                        report.rows.push(HouseholdImportRow {
                            line,
                            household: h.reference.clone(),
                            status,
                            code: None,
                            column: None,
                            message: None,
                        });
                        parsed.push(h);
                    }
                    Err(e) => {
                        report.rejected += 1;
                        report.rows.push(HouseholdImportRow {
                            line,
                            household: String::new(),
                            status: HouseholdStatus::Rejected,
                            code: Some(e.code),
                            column: e.column,
                            message: Some(e.message),
                        });
                    }
                }
            }
        }
    }
    (report, parsed)
}
