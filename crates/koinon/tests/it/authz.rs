//! The authorisation matrix: every route, walked with every role of Heerlen and with the admin
//! of another tenant (Sofia), in the browser (session) and through the API (bearer token).
//! Allowed answers 200 for reads and 422 for the (deliberately invalid) writes; denied answers
//! 403, or 404 for another tenant's objects. Nothing of Heerlen is readable or writable from
//! Sofia.

use koinon_core::role::Role;

use crate::harness::{TestApp, hidden_csrf, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Heerlen(Role),
    SofiaAdmin,
}

impl Who {
    fn email(self) -> String {
        match self {
            Who::Heerlen(role) => format!("{}@heerlen.example.org", role.as_str()),
            Who::SofiaAdmin => "admin@sofia.example.org".into(),
        }
    }
}

fn everyone() -> Vec<Who> {
    let mut all: Vec<Who> = Role::ALL.iter().map(|r| Who::Heerlen(*r)).collect();
    all.push(Who::SofiaAdmin);
    all
}

use Role::*;
const ALL: &[Role] = &[Admin, Officer, Approver, Reviewer, Provider, Investor, Merchant, Beneficiary, Auditor];
const NOT_BENEFICIARY: &[Role] = &[Admin, Officer, Approver, Reviewer, Provider, Investor, Merchant, Auditor];
const ADMIN_AUDITOR: &[Role] = &[Admin, Auditor];
const ADMIN: &[Role] = &[Admin];
const MANAGERS: &[Role] = &[Admin, Officer];
const NETWORK_READERS: &[Role] = &[Admin, Officer, Approver, Reviewer, Auditor];
const LEDGER_READERS: &[Role] = &[Admin, Officer, Approver, Auditor];
/// The demo provider account is owned by the provider's organisation.
const LEDGER_READERS_AND_PROVIDER: &[Role] = &[Admin, Officer, Approver, Auditor, Provider];
/// Everyone but shops and citizens may try a contract on sample data.
const MODELLERS: &[Role] = &[Admin, Officer, Approver, Reviewer, Provider, Investor, Auditor];
/// An outcomes contract's staff, and the providers and investors that are its parties.
const CONTRACT_VIEWERS: &[Role] = &[Admin, Officer, Approver, Reviewer, Auditor, Provider, Investor];
/// Participants' records: not investors.
const RECORD_VIEWERS: &[Role] = &[Admin, Officer, Approver, Reviewer, Auditor, Provider];
const IMPORTERS: &[Role] = &[Admin, Officer, Provider];
const FIGURE_VIEWERS: &[Role] = &[Admin, Officer, Approver, Auditor, Investor];
const ORG_READERS_OF_PROVIDER_ORG: &[Role] = &[Admin, Officer, Approver, Reviewer, Auditor, Provider];
/// Merchants' applications: staff who see them, and the demo merchant (who owns the shop).
const MERCHANT_VIEWERS: &[Role] = &[Admin, Officer, Approver, Auditor, Merchant];
/// Who may apply for a shop: officers on its behalf, a merchant for its own.
const MERCHANT_APPLICANTS: &[Role] = &[Admin, Officer, Merchant];
/// A shop's till: its own merchant user only.
const TILL: &[Role] = &[Merchant];

/// One row of the matrix. `heerlen_object`: the route names an object of Heerlen, so Sofia's
/// admin must be refused; otherwise Sofia's admin acts in Sofia and is allowed like an admin.
struct Row {
    method: &'static str,
    path: String,
    body: Option<serde_json::Value>,
    allowed: &'static [Role],
    heerlen_object: bool,
}

fn allowed(row: &Row, who: Who) -> bool {
    match who {
        Who::Heerlen(role) => row.allowed.contains(&role),
        Who::SofiaAdmin => !row.heerlen_object && row.allowed.contains(&Admin),
    }
}

struct Ids {
    officer: i64,
    provider_org: i64,
    network: i64,
    /// A draft outcomes contract of Heerlen's, with the demo provider and investor as parties.
    contract: i64,
    /// A running contract with a verified claim and a prepared payment run.
    running: i64,
    claim: i64,
    run: i64,
    /// A submitted claim of the running contract with an evidence file.
    evidence_claim: i64,
    /// An empty contract design of Heerlen's.
    design: i64,
    /// A currency of Heerlen's, a programme of it with households, and a prepared run.
    currency: i64,
    programme: i64,
    issuance_run: i64,
    /// A shop of Heerlen accredited for a currency, owned by the demo merchant, and a payment
    /// it took.
    merchant: i64,
    payment: String,
    /// A household's card of that currency.
    card: i64,
}

async fn ids(t: &TestApp) -> Ids {
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let system = koinon_app::Actor::System("test");
    let users = t.app.list_users(&system, heerlen.id, None, Some(200)).await.expect("users");
    let officer = users.items.iter().find(|u| u.email == "officer@heerlen.example.org").expect("officer").id;
    let provider = users.items.iter().find(|u| u.email == "provider@heerlen.example.org").expect("provider");
    let network = t.app.list_networks(&system, heerlen.id, None, None).await.expect("networks").items[0].id;
    let toml = crate::outcomes_api::heerlen_dwp_toml();
    let contract = t.app.create_contract(&system, heerlen.id, &toml).await.expect("contract").id;
    let running = t.app.create_contract(&system, heerlen.id, &toml).await.expect("contract").id;
    for to in ["contracted", "running"] {
        t.app.transition_contract(&system, heerlen.id, running, to).await.expect("transition");
    }
    let importer = koinon_app::Actor::System("import");
    t.app.commit_participants(&importer, heerlen.id, running, crate::outcomes_api::PARTICIPANTS).await.expect("import");
    t.app.commit_claims(&importer, heerlen.id, running, crate::outcomes_api::CLAIMS).await.expect("claims");
    let claims = t.app.list_claims(&system, heerlen.id, running, None, None, None).await.expect("claims");
    let claim = claims.items[0].id;
    let evidence_claim = claims.items[1].id;
    t.app
        .attach_evidence(&system, heerlen.id, evidence_claim, "letter.txt", "text/plain", b"evidence")
        .await
        .expect("evidence");
    let verified = koinon_app::outcomes::ClaimVerdict::Verified;
    t.app.verify_claim(&system, heerlen.id, claim, &verified).await.expect("verify");
    let run = t.app.prepare_payment_run(&system, heerlen.id, running, "2013-Q2", None).await.expect("run").id;
    let provider_org = provider.organisation_id.expect("provider org");
    let design = t.app.create_design(&system, heerlen.id).await.expect("design").id;
    t.app.import_indigo(&system, &crate::indigo::export_files("indigo-2025-05")).await.expect("INDIGO import");
    let input = koinon_app::currency::CurrencyInput {
        code: "PARK".into(),
        name: "Parkstad Pas".into(),
        symbol: "P".into(),
        categories: "food".into(),
        ..Default::default()
    };
    let currency = t.app.define_currency(&system, heerlen.id, &input).await.expect("currency").id;
    let programme = koinon_app::currency::ProgrammeInput {
        currency_id: currency,
        name: "Parkstad food aid".into(),
        start_on: "2026-01-01".into(),
        end_on: "2026-12-31".into(),
        budget: "10000.00".into(),
        base_amount: "100.00".into(),
        auto_backing: true,
        ..Default::default()
    };
    let programme = t.app.create_programme(&system, heerlen.id, &programme).await.expect("programme").id;
    let file = koinon_app::outcome_files::ImportFile::Csv("household,size,eligible_from\nHL-1,2,2026-01-01\n".into());
    t.app.commit_households(&system, heerlen.id, programme, &file).await.expect("households");
    let issuance_run = t.app.prepare_issuance(&system, heerlen.id, programme, "2026-01").await.expect("run").id;
    let shop = crate::currency_payments::heerlen_shop(t).await;
    let paid = t
        .app
        .take_payment(
            &shop.merchant_user,
            heerlen.id,
            &koinon_app::currency_payments::PaymentInput {
                payment_id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aaa".into(),
                merchant_id: shop.merchant,
                card_code: shop.card_code.clone(),
                pin: "4821".into(),
                amount: "1.00".into(),
                category: "food".into(),
                hold: false,
                hold_s: None,
            },
        )
        .await
        .expect("request")
        .expect("paid");
    Ids {
        officer,
        provider_org,
        network,
        contract,
        running,
        claim,
        run,
        evidence_claim,
        design,
        currency,
        programme,
        issuance_run,
        merchant: shop.merchant,
        payment: paid.id,
        card: shop.card_id,
    }
}

fn html_rows(ids: &Ids) -> Vec<Row> {
    /// Staff, and the providers and investors of an organisation (who see their contracts).
    const CONTRACT_READERS: &[Role] = &[Admin, Officer, Approver, Reviewer, Provider, Investor, Auditor];
    let get = |path: String, allowed: &'static [Role], heerlen_object: bool| Row {
        method: "GET",
        path,
        body: None,
        allowed,
        heerlen_object,
    };
    let post = |path: String, allowed: &'static [Role], heerlen_object: bool| Row {
        method: "POST",
        path,
        body: None,
        allowed,
        heerlen_object,
    };
    vec![
        get("/dashboard".into(), ALL, false),
        get("/account".into(), ALL, false),
        get("/users".into(), ADMIN_AUDITOR, false),
        get("/users/new".into(), ADMIN, false),
        get(format!("/users/{}", ids.officer), ADMIN_AUDITOR, true),
        get("/organisations".into(), NOT_BENEFICIARY, false),
        get("/organisations/new".into(), MANAGERS, false),
        get(format!("/organisations/{}", ids.provider_org), ORG_READERS_OF_PROVIDER_ORG, true),
        get("/networks".into(), NETWORK_READERS, false),
        get("/networks/new".into(), MANAGERS, false),
        get(format!("/networks/{}", ids.network), NETWORK_READERS, true),
        get("/audit".into(), ADMIN_AUDITOR, false),
        get("/ledger".into(), LEDGER_READERS, false),
        get(format!("/ledger/accounts/{}", koinon_app::demo::DEMO_SPV), LEDGER_READERS, true),
        get(format!("/ledger/accounts/{}", koinon_app::demo::DEMO_PROVIDER), LEDGER_READERS_AND_PROVIDER, true),
        post("/users".into(), ADMIN, false),
        post(format!("/users/{}", ids.officer), ADMIN, true),
        post("/organisations".into(), MANAGERS, false),
        post("/networks".into(), MANAGERS, false),
        post(format!("/networks/{}/partners", ids.network), MANAGERS, true),
        post("/account/password".into(), ALL, false),
        get("/outcomes/calculator".into(), MODELLERS, false),
        get("/outcomes/calculator?example=koto-savings-share".into(), MODELLERS, false),
        post("/outcomes/calculator".into(), MODELLERS, false),
        get("/outcomes".into(), CONTRACT_READERS, false),
        get("/outcomes/new".into(), MANAGERS, false),
        get(format!("/outcomes/{}", ids.contract), CONTRACT_VIEWERS, true),
        get(format!("/outcomes/{}/participants", ids.running), RECORD_VIEWERS, true),
        get(format!("/outcomes/{}/claims", ids.running), RECORD_VIEWERS, true),
        get(format!("/outcomes/{}/runs", ids.running), CONTRACT_VIEWERS, true),
        get(format!("/outcomes/{}/runs/{}", ids.running, ids.run), CONTRACT_VIEWERS, true),
        get(format!("/outcomes/{}/investors", ids.running), FIGURE_VIEWERS, true),
        // The contract dashboard; the public summary and list need no sign-in (Sofia too).
        get(format!("/outcomes/{}/dashboard", ids.running), CONTRACT_VIEWERS, true),
        get(format!("/public/outcomes/heerlen/{}", ids.running), ALL, false),
        get("/public/outcomes/heerlen".into(), ALL, false),
        get("/indigo".into(), MODELLERS, false),
        get("/indigo/import".into(), ADMIN, false),
        get("/indigo?sector=Health&country=GB&from=2015&to=2020".into(), MODELLERS, false),
        get("/indigo/INDIGO-POJ-0001".into(), MODELLERS, false),
        get(format!("/outcomes/{}/compare", ids.contract), CONTRACT_VIEWERS, true),
        post(format!("/outcomes/{}/participants/preview", ids.running), IMPORTERS, true),
        post(format!("/outcomes/{}/claims/preview", ids.running), IMPORTERS, true),
        // Evidence files, drawdowns and waterfall terms (the uploads are multipart: tested in
        // outcomes_files.rs).
        get(format!("/outcomes/{}/claims/{}/evidence", ids.running, ids.evidence_claim), RECORD_VIEWERS, true),
        get(format!("/outcomes/{}/drawdowns", ids.running), FIGURE_VIEWERS, true),
        post(format!("/outcomes/{}/drawdowns", ids.running), MANAGERS, true),
        post(format!("/outcomes/{}/waterfall", ids.running), MANAGERS, true),
        // Multipart forms, sent with the CSRF token and no file.
        post(format!("/outcomes/{}/claims/{}/evidence", ids.running, ids.evidence_claim), IMPORTERS, true),
        post(format!("/outcomes/{}/participants/upload", ids.running), IMPORTERS, true),
        post(format!("/outcomes/{}/claims/upload", ids.running), IMPORTERS, true),
        post(format!("/outcomes/{}/runs/results", ids.running), MANAGERS, true),
        post("/outcomes".into(), MANAGERS, false),
        // The contract designer: an empty design's step, its check page, a refused step and a
        // refused create.
        get(format!("/outcomes/designs/{}/basics", ids.design), MANAGERS, true),
        get(format!("/outcomes/designs/{}/check", ids.design), MANAGERS, true),
        post(format!("/outcomes/designs/{}/basics", ids.design), MANAGERS, true),
        post(format!("/outcomes/designs/{}/check", ids.design), MANAGERS, true),
        // Feasibility of the draft contract: the page, and a run with no assumptions filled in.
        get(format!("/outcomes/{}/feasibility", ids.contract), CONTRACT_VIEWERS, true),
        post(format!("/outcomes/{}/feasibility", ids.contract), MANAGERS, true),
        // E-currency: the pages, and refused writes (empty forms, a month with a run).
        get("/currency".into(), LEDGER_READERS, false),
        get("/currency/new".into(), MANAGERS, false),
        get(format!("/currency/currencies/{}", ids.currency), LEDGER_READERS, true),
        get("/currency/programmes/new".into(), MANAGERS, false),
        get(format!("/currency/programmes/{}", ids.programme), LEDGER_READERS, true),
        get(format!("/currency/programmes/{}/issuance?month=2026-02", ids.programme), LEDGER_READERS, true),
        get(format!("/currency/runs/{}", ids.issuance_run), LEDGER_READERS, true),
        post("/currency".into(), MANAGERS, false),
        post(format!("/currency/currencies/{}", ids.currency), MANAGERS, true),
        post(format!("/currency/currencies/{}/funding", ids.currency), MANAGERS, true),
        post("/currency/programmes".into(), MANAGERS, false),
        post(format!("/currency/programmes/{}/households/commit", ids.programme), MANAGERS, true),
        post(format!("/currency/programmes/{}/households/upload", ids.programme), MANAGERS, true),
        post(format!("/currency/programmes/{}/issuance", ids.programme), MANAGERS, true),
        post(format!("/currency/runs/{}/rejection", ids.issuance_run), &[Approver], true),
        post(format!("/currency/programmes/{}/households/link", ids.programme), MANAGERS, true),
        // Everyone has a wallet page; it shows only what is linked to them.
        get("/wallet".into(), ALL, false),
        // Figures of an e-currency (the demo's euro ledger serves: any ledger has figures;
        // Sofia has no such ledger, so its admin gets 404).
        get("/currency/EUR/dashboard".into(), LEDGER_READERS, true),
        // Decay runs of a currency (Heerlen's has no decay: the month is refused, nothing runs).
        get("/currency/PARK/decay".into(), LEDGER_READERS, true),
        get("/currency/PARK/decay?month=2026-01".into(), LEDGER_READERS, true),
        post("/currency/PARK/decay".into(), MANAGERS, true),
        // Merchants of the e-currency: the list, the application form, a shop, its review and
        // its point of sale (a form with only the CSRF token is refused as invalid), the
        // public directory. The application is multipart.
        get("/currency/merchants".into(), MERCHANT_VIEWERS, false),
        get("/currency/merchants/apply".into(), MERCHANT_APPLICANTS, false),
        post("/currency/merchants/apply".into(), MERCHANT_APPLICANTS, false),
        get(format!("/currency/merchants/{}", ids.merchant), MERCHANT_VIEWERS, true),
        post(format!("/currency/merchants/{}/review", ids.merchant), MANAGERS, true),
        get(format!("/currency/merchants/{}/pos", ids.merchant), TILL, true),
        post(format!("/currency/merchants/{}/pos", ids.merchant), TILL, true),
        get(format!("/currency/merchants/{}/statement.csv", ids.merchant), MERCHANT_VIEWERS, true),
        get(format!("/currency/merchants/{}/statement", ids.merchant), MERCHANT_VIEWERS, true),
        get(
            format!("/currency/merchants/{}/statement?from=2026-01-01&to=2026-12-31", ids.merchant),
            MERCHANT_VIEWERS,
            true,
        ),
        // Holds at the point of sale: the payment is not a hold, so its till is answered
        // `not_a_hold` (422).
        post(format!("/currency/merchants/{}/holds/{}/capture", ids.merchant, ids.payment), TILL, true),
        post(format!("/currency/merchants/{}/holds/{}/void", ids.merchant, ids.payment), TILL, true),
        post(format!("/currency/merchants/{}/circulation", ids.merchant), TILL, true),
        post(format!("/currency/merchants/{}/redemptions", ids.merchant), TILL, true),
        get("/public/currency/heerlen/merchants".into(), ALL, false),
        // A shop's payment link: anyone signed in in its municipality may open it and try to
        // pay (from their own wallet); its poster is printed by who sees the shop.
        get(format!("/pay/heerlen/{}", ids.merchant), ALL, true),
        post(format!("/pay/heerlen/{}", ids.merchant), ALL, true),
        get(format!("/currency/merchants/{}/poster", ids.merchant), MERCHANT_VIEWERS, true),
        // A receipt is its payer's only: this payment is the till's, linked to nobody.
        get(format!("/wallet/payments/{}", ids.payment), &[], true),
        get("/wallet/statement.csv".into(), ALL, false),
        // Beneficiaries' cards: the form (a household number that is not one is refused) and
        // the printable card.
        get("/currency/cards/new".into(), MANAGERS, false),
        post("/currency/cards/new".into(), MANAGERS, false),
        get(format!("/currency/cards/{}/print", ids.card), MANAGERS, true),
    ]
}

fn api_rows(ids: &Ids) -> Vec<Row> {
    use serde_json::json;
    // The demo provider and investor act for parties of the contract.
    let contract = format!("/api/v1/outcomes/contracts/{}", ids.contract);
    let get = |path: String, allowed: &'static [Role], heerlen_object: bool| Row {
        method: "GET",
        path,
        body: None,
        allowed,
        heerlen_object,
    };
    let write = |method: &'static str,
                 path: String,
                 body: serde_json::Value,
                 allowed: &'static [Role],
                 heerlen_object: bool| Row { method, path, body: Some(body), allowed, heerlen_object };
    vec![
        get("/api/v1/me".into(), ALL, false),
        get("/api/v1/tenants".into(), ALL, false),
        write("PATCH", "/api/v1/tenants/heerlen".into(), json!({"name": "", "default_locale": "en"}), ADMIN, true),
        get("/api/v1/users".into(), ADMIN_AUDITOR, false),
        get(format!("/api/v1/users/{}", ids.officer), ADMIN_AUDITOR, true),
        write(
            "POST",
            "/api/v1/users".into(),
            json!({"email": "bad", "display_name": "", "role": "officer", "password": "x"}),
            ADMIN,
            false,
        ),
        write("PATCH", format!("/api/v1/users/{}", ids.officer), json!({"role": "mayor"}), ADMIN, true),
        get("/api/v1/organisations".into(), NOT_BENEFICIARY, false),
        get(format!("/api/v1/organisations/{}", ids.provider_org), ORG_READERS_OF_PROVIDER_ORG, true),
        write("POST", "/api/v1/organisations".into(), json!({"kind": "ngo", "name": ""}), MANAGERS, false),
        get("/api/v1/networks".into(), NETWORK_READERS, false),
        get(format!("/api/v1/networks/{}", ids.network), NETWORK_READERS, true),
        write("POST", "/api/v1/networks".into(), json!({"name": "", "programme": "URBACT"}), MANAGERS, false),
        write(
            "POST",
            format!("/api/v1/networks/{}/partners", ids.network),
            json!({"name": "", "country": "NL"}),
            MANAGERS,
            true,
        ),
        get("/api/v1/audit".into(), ADMIN_AUDITOR, false),
        get(format!("/api/v1/accounts/{}", koinon_app::demo::DEMO_SPV), LEDGER_READERS, true),
        get(format!("/api/v1/accounts/{}", koinon_app::demo::DEMO_PROVIDER), LEDGER_READERS_AND_PROVIDER, true),
        get("/api/v1/currency/ledgers/EUR/figures".into(), LEDGER_READERS, true),
        write("POST", "/api/v1/transfers".into(), json!({"transfers": []}), MANAGERS, false),
        write("POST", "/api/v1/outcomes/payments".into(), json!({"contract": ""}), MODELLERS, false),
        get("/api/v1/outcomes/contracts".into(), ALL, false),
        get("/api/v1/indigo/projects".into(), MODELLERS, false),
        get("/api/v1/indigo/projects/INDIGO-POJ-0001".into(), MODELLERS, false),
        get("/api/v1/indigo/summary?by=country".into(), MODELLERS, false),
        get(format!("/api/v1/outcomes/contracts/{}/similar", ids.contract), CONTRACT_VIEWERS, true),
        write("POST", "/api/v1/indigo/imports".into(), json!({"files": {}}), ADMIN, false),
        write("POST", "/api/v1/outcomes/contracts".into(), json!({"toml": ""}), MANAGERS, false),
        get(contract.clone(), CONTRACT_VIEWERS, true),
        // A draft cannot move to draft (an unknown state is refused before the contract is read).
        write("POST", format!("{contract}/transition"), json!({"to": "draft"}), MANAGERS, true),
        write("POST", format!("{contract}/participants?preview=false"), json!({"csv": ""}), IMPORTERS, true),
        get(format!("{contract}/participants"), RECORD_VIEWERS, true),
        write("POST", format!("{contract}/claims?preview=false"), json!({"csv": ""}), IMPORTERS, true),
        get(format!("{contract}/claims"), RECORD_VIEWERS, true),
        get(format!("{contract}/payment-runs"), CONTRACT_VIEWERS, true),
        write("POST", format!("{contract}/payment-runs"), json!({"period": "soon"}), MANAGERS, true),
        get(format!("{contract}/investors"), FIGURE_VIEWERS, true),
        get(format!("{contract}/dashboard"), CONTRACT_VIEWERS, true),
        get(format!("{contract}/feasibility"), CONTRACT_VIEWERS, true),
        // No referrals: the model refuses it.
        write(
            "POST",
            format!("{contract}/feasibility"),
            json!({"assumptions": {"referrals": [], "engagement_bp": 8500, "attrition_bp": 0, "metrics": [],
                "cost_per_participant_minor": 0, "cost_per_period_minor": 0, "discount_rate_bp": 0,
                "return_cap_bp": null}}),
            MANAGERS,
            true,
        ),
        // The claim is verified already: the evaluator is answered `claim_reviewed`.
        write(
            "POST",
            format!("/api/v1/outcomes/claims/{}/verification", ids.claim),
            json!({"verdict": "verified"}),
            &[Reviewer],
            true,
        ),
        get(format!("/api/v1/outcomes/payment-runs/{}", ids.run), CONTRACT_VIEWERS, true),
        // Evidence files (a JSON body is not an accepted type), drawdowns (a draft contract
        // draws nothing) and waterfall terms (a running contract's are fixed).
        get(format!("/api/v1/outcomes/claims/{}/evidence", ids.evidence_claim), RECORD_VIEWERS, true),
        write(
            "POST",
            format!("/api/v1/outcomes/claims/{}/evidence?filename=x.txt", ids.evidence_claim),
            json!({}),
            IMPORTERS,
            true,
        ),
        get(format!("{contract}/drawdowns"), FIGURE_VIEWERS, true),
        write(
            "POST",
            format!("{contract}/drawdowns"),
            json!({"party_id": 1, "amount_minor": 1, "drawn_on": "2012-04-02", "request_id": "authz"}),
            MANAGERS,
            true,
        ),
        write(
            "PUT",
            format!("/api/v1/outcomes/contracts/{}/waterfall", ids.running),
            json!({"return_cap_multiple_bp": null, "residual_investors_share_bp": 0}),
            MANAGERS,
            true,
        ),
        // E-currency (invalid writes: empty definitions, a month that already has a run).
        get("/api/v1/currency/currencies".into(), LEDGER_READERS, false),
        get(format!("/api/v1/currency/currencies/{}", ids.currency), LEDGER_READERS, true),
        write("POST", "/api/v1/currency/currencies".into(), json!({"code": ""}), MANAGERS, false),
        write("PUT", format!("/api/v1/currency/currencies/{}", ids.currency), json!({"name": ""}), MANAGERS, true),
        write(
            "POST",
            format!("/api/v1/currency/currencies/{}/funding", ids.currency),
            json!({"amount_eur": "x", "request_id": "authz"}),
            MANAGERS,
            true,
        ),
        get("/api/v1/currency/currencies/PARK/decay/2026-01".into(), LEDGER_READERS, true),
        write("POST", "/api/v1/currency/currencies/PARK/decay/2026-01".into(), json!({}), MANAGERS, true),
        get("/api/v1/currency/programmes".into(), LEDGER_READERS, false),
        get(format!("/api/v1/currency/programmes/{}", ids.programme), LEDGER_READERS, true),
        write(
            "POST",
            "/api/v1/currency/programmes".into(),
            json!({"currency_id": ids.currency, "name": "", "start_on": "", "end_on": "", "budget": "", "base_amount": ""}),
            MANAGERS,
            false,
        ),
        get(format!("/api/v1/currency/programmes/{}/households", ids.programme), LEDGER_READERS, true),
        write(
            "POST",
            format!("/api/v1/currency/programmes/{}/households?preview=false", ids.programme),
            json!({"csv": ""}),
            MANAGERS,
            true,
        ),
        get(
            format!("/api/v1/currency/programmes/{}/issuance-preview?month=2026-02", ids.programme),
            LEDGER_READERS,
            true,
        ),
        get(format!("/api/v1/currency/programmes/{}/issuance-runs", ids.programme), LEDGER_READERS, true),
        write(
            "POST",
            format!("/api/v1/currency/programmes/{}/issuance-runs", ids.programme),
            json!({"month": "2026-13"}),
            MANAGERS,
            true,
        ),
        get(format!("/api/v1/currency/issuance-runs/{}", ids.issuance_run), LEDGER_READERS, true),
        write(
            "POST",
            format!("/api/v1/currency/issuance-runs/{}/rejection", ids.issuance_run),
            json!({"reason": ""}),
            &[Approver],
            true,
        ),
        write(
            "POST",
            format!("/api/v1/outcomes/payment-runs/{}/approval", ids.run),
            json!({"paid_on": "soon"}),
            &[Approver],
            true,
        ),
        write(
            "POST",
            format!("/api/v1/outcomes/payment-runs/{}/rejection", ids.run),
            json!({"reason": ""}),
            &[Approver],
            true,
        ),
        // Merchants, payments and cards of the e-currency.
        get("/api/v1/currency/merchants".into(), MERCHANT_VIEWERS, false),
        write("POST", "/api/v1/currency/merchants".into(), json!({"name": ""}), MERCHANT_APPLICANTS, false),
        get("/api/v1/currency/merchants/directory".into(), ALL, false),
        get(format!("/api/v1/currency/merchants/{}", ids.merchant), MERCHANT_VIEWERS, true),
        write(
            "POST",
            format!("/api/v1/currency/merchants/{}/review", ids.merchant),
            json!({"action": "promote"}),
            MANAGERS,
            true,
        ),
        get(format!("/api/v1/currency/merchants/{}/payments", ids.merchant), MERCHANT_VIEWERS, true),
        get(format!("/api/v1/currency/merchants/{}/statement", ids.merchant), MERCHANT_VIEWERS, true),
        get(
            format!("/api/v1/currency/merchants/{}/statement?from=2026-01-01&limit=5", ids.merchant),
            MERCHANT_VIEWERS,
            true,
        ),
        get(format!("/api/v1/currency/merchants/{}/holds", ids.merchant), MERCHANT_VIEWERS, true),
        // Anyone signed in may try to pay from their own wallet (no wallet: 422).
        write("POST", format!("/api/v1/currency/merchants/{}/pay", ids.merchant), json!({}), ALL, true),
        get(format!("/api/v1/currency/merchants/{}/balance", ids.merchant), MERCHANT_VIEWERS, true),
        write("POST", format!("/api/v1/currency/merchants/{}/circulation", ids.merchant), json!({}), TILL, true),
        write("POST", format!("/api/v1/currency/merchants/{}/redemptions", ids.merchant), json!({}), TILL, true),
        write(
            "POST",
            "/api/v1/currency/payments".into(),
            json!({"merchant_id": ids.merchant, "payment_id": "nope"}),
            TILL,
            true,
        ),
        get(format!("/api/v1/currency/payments/{}", ids.payment), MERCHANT_VIEWERS, true),
        // Not a hold: the till is answered `not_a_hold`.
        write("POST", format!("/api/v1/currency/payments/{}/capture", ids.payment), json!({}), TILL, true),
        write("POST", "/api/v1/currency/cards".into(), json!({"household_id": 0, "pin": "1"}), MANAGERS, false),
    ]
}

fn verdict(method: &str, status: u16) -> Option<bool> {
    match (method, status) {
        ("GET", 200) | (_, 422) => Some(true),
        (_, 403 | 404) => Some(false),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_with_every_role_and_another_tenant() {
    let t = spawn_app().await;
    let ids = ids(&t).await;
    let mut wrong = Vec::new();
    for who in everyone() {
        // In the browser, with a session and the CSRF token of the page.
        let client = t.signed_in(&who.email()).await;
        let page = client.get(t.url("/dashboard")).send().await.expect("dashboard").text().await.expect("body");
        let csrf = hidden_csrf(&page).expect("csrf");
        for row in html_rows(&ids) {
            let multipart =
                ["/evidence", "/upload", "/runs/results", "/merchants/apply"].iter().any(|end| row.path.ends_with(end));
            let request = match row.method {
                "GET" => client.get(t.url(&row.path)),
                _ if multipart => client
                    .post(t.url(&row.path))
                    .header("content-type", "multipart/form-data; boundary=authz")
                    .body(format!(
                        "--authz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--authz--\r\n"
                    )),
                _ => client.post(t.url(&row.path)).form(&[("csrf", csrf.as_str())]),
            };
            let status = request.send().await.expect("request").status().as_u16();
            let expected = allowed(&row, who);
            if verdict(row.method, status) != Some(expected) {
                wrong.push(format!(
                    "{who:?} {} {} -> {status}, expected {}",
                    row.method,
                    row.path,
                    if expected { "allowed" } else { "denied" }
                ));
            }
        }
        // Through the API, with a bearer token.
        let token = t.token(&who.email()).await;
        let api = reqwest::Client::new();
        for row in api_rows(&ids) {
            let mut request = match row.method {
                "GET" => api.get(t.url(&row.path)),
                "PATCH" => api.patch(t.url(&row.path)),
                "PUT" => api.put(t.url(&row.path)),
                _ => api.post(t.url(&row.path)),
            }
            .bearer_auth(&token);
            if let Some(body) = &row.body {
                request = request.json(body);
            }
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let expected = allowed(&row, who);
            if verdict(row.method, status) != Some(expected) {
                wrong.push(format!(
                    "{who:?} API {} {} -> {status}, expected {}",
                    row.method,
                    row.path,
                    if expected { "allowed" } else { "denied" }
                ));
            }
            if !expected {
                let body: serde_json::Value = response.json().await.expect("error body");
                assert!(body["error"]["code"].is_string(), "denials use the error format: {body}");
            }
        }
    }
    assert!(wrong.is_empty(), "authorisation matrix broken:\n{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sofia_sees_nothing_of_heerlen() {
    let t = spawn_app().await;
    let ids = ids(&t).await;
    let sofia = t.signed_in("admin@sofia.example.org").await;
    for path in ["/users", "/organisations", "/networks", "/audit", "/dashboard"] {
        let body = sofia.get(t.url(path)).send().await.expect("page").text().await.expect("body");
        for heerlen_thing in ["officer@heerlen.example.org", "Werkplaats Parkstad", "SIBdev", "Heerlen"] {
            assert!(!body.contains(heerlen_thing), "{path} shows {heerlen_thing} to Sofia's admin");
        }
    }
    for path in [
        format!("/users/{}", ids.officer),
        format!("/organisations/{}", ids.provider_org),
        format!("/networks/{}", ids.network),
    ] {
        let r = sofia.get(t.url(&path)).send().await.expect("page");
        assert_eq!(r.status(), 404, "{path}");
    }
}
