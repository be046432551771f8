//! The demo's shops and trade in grames: twenty accredited social-economy merchants of Santa
//! Coloma de Gramenet (fourteen shops where beneficiaries spend, six producers and wholesalers
//! the shops buy from), a printed card for every household, and the three issued months of
//! simulated trade: households paying at shops by category, shops paying their suppliers and
//! suppliers paying each other (circulation), and some redemptions to euros with the fee.
//!
//! Everything goes through the app's own services, as the people involved would: the officer
//! applies for each shop and accredits it, each payment is taken by the shop's user with the
//! card's code and PIN, circulation and redemptions are asked for by the merchants' users, and
//! every unit moves as a ledger transfer. The trade is drawn from a fixed seed, so every demo
//! shows the same figures; ids are derived from the seed's step, and a demo that already has
//! its trade is left as it is.
//!
//! Two things keep seeding quick. The demo's cards share one PIN ([`DEMO_PIN`]) hashed once
//! with light Argon2 parameters (a card issued at the office hashes its PIN with the full
//! ones; the check reads the parameters from the hash). And the trade is a few hundred
//! payments of a month's shopping rather than thousands of small ones.
//!
//! The ledger stamps each transfer when it is written, so the simulated months all carry the
//! day of seeding; each household's spending is kept under the currency's daily limit, and the
//! first [`DEMO_UNTOUCHED_HOUSEHOLDS`] households spend nothing, so that people trying the demo
//! can pay with them at once.

use argon2::password_hash::PasswordHasher;
use koinon_core::authz::Subject;
use koinon_core::ledger::{Id, format_id};
use koinon_core::money::minor_to_decimal;
use koinon_core::role::Role;
use koinon_store::ledger::id_bytes;

use crate::currency::{HouseholdView, wallet_id};
use crate::currency_demo::{DEMO_MONTHS, DEMO_TENANT};
use crate::currency_payments::PaymentInput;
use crate::currency_redemption::{CirculationInput, RedemptionInput};
use crate::merchants::MerchantInput;
use crate::users::NewUserInput;
use crate::{Actor, App, AppError};

/// The PIN of every demo card.
pub const DEMO_PIN: &str = "2580";
/// The demo beneficiary's login; the household `SC-0001` is linked to it.
pub const DEMO_BENEFICIARY: &str = "beneficiary@santa-coloma.example.org";
/// The household linked to the demo beneficiary.
pub const DEMO_BENEFICIARY_HOUSEHOLD: &str = "SC-0001";
/// Households `SC-0001` to `SC-0012` take no part in the simulated trade.
pub const DEMO_UNTOUCHED_HOUSEHOLDS: usize = 12;
/// The most a household spends in the simulated trade (the currency's daily limit is 300.00,
/// and the ledger dates the whole simulation on the day it is seeded).
const SPEND_PER_HOUSEHOLD_MAX_MINOR: i64 = 29_000;
/// The seed of the simulated trade.
const SEED: u64 = 0x6772_616d_6132_0026;

/// Whether a demo merchant sells to households or supplies other shops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trade {
    Shop,
    Supplier,
}

/// A demo merchant: the shop, its owner's login and what it sells.
#[derive(Debug, Clone, Copy)]
pub struct DemoMerchant {
    pub login: &'static str,
    pub name: &'static str,
    pub area: &'static str,
    pub address: &'static str,
    pub description: &'static str,
    pub categories: &'static [&'static str],
    pub trade: Trade,
}

const fn merchant(
    trade: Trade,
    login: &'static str,
    name: &'static str,
    area: &'static str,
    address: &'static str,
    description: &'static str,
    categories: &'static [&'static str],
) -> DemoMerchant {
    DemoMerchant { login, name, area, address, description, categories, trade }
}

/// The twenty demo merchants; the first one's login is `merchant@santa-coloma.example.org`.
pub const DEMO_MERCHANTS: [DemoMerchant; 20] = [
    merchant(
        Trade::Shop,
        "merchant",
        "Botiga Cooperativa del Fondo",
        "Fondo",
        "Carrer de Sant Jordi 41",
        "Consumer cooperative: groceries, toiletries and cleaning products.",
        &["food", "hygiene", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "horta",
        "Fruites i Verdures L'Horta Solidària",
        "Santa Rosa",
        "Carrer de Santa Rosa 18",
        "Fruit and vegetables from the Besòs market gardens.",
        &["food"],
    ),
    merchant(
        Trade::Shop,
        "queviures",
        "Queviures Can Franquesa",
        "Can Franquesa",
        "Avinguda de la Generalitat 7",
        "Neighbourhood grocery run by a work-integration enterprise.",
        &["food", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "carnisseria",
        "Carnisseria Social Singuerlín",
        "Singuerlín",
        "Carrer d'Irlanda 22",
        "Butcher's shop of a social cooperative.",
        &["food"],
    ),
    merchant(
        Trade::Shop,
        "drogueria",
        "Drogueria Solidària del Raval",
        "Raval",
        "Carrer Major 63",
        "Household goods, cleaning products and toiletries.",
        &["hygiene", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "peixateria",
        "Peixateria El Riu",
        "Riu Sud",
        "Passeig del Riu 12",
        "Fishmonger's, part of the local fishermen's cooperative network.",
        &["food"],
    ),
    merchant(
        Trade::Shop,
        "despensa",
        "Supermercat Social La Despensa",
        "Centre",
        "Rambla de Sant Sebastià 30",
        "Social supermarket: everything for the week's shopping.",
        &["food", "hygiene", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "safaretjos",
        "Cooperativa de Consum Safaretjos",
        "Safaretjos",
        "Carrer de Francesc Macià 9",
        "Members' cooperative open to all beneficiaries.",
        &["food", "hygiene"],
    ),
    merchant(
        Trade::Shop,
        "higiene",
        "Higiene i Cura Can Mariner",
        "Can Mariner",
        "Carrer de Pirineus 5",
        "Toiletries, baby care and pharmacy-free hygiene products.",
        &["hygiene"],
    ),
    merchant(
        Trade::Shop,
        "oliveres",
        "Botiga Ecològica Les Oliveres",
        "Les Oliveres",
        "Carrer de Mossèn Jacint Verdaguer 70",
        "Organic groceries and bulk cleaning products.",
        &["food", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "forn",
        "Forn Solidari de Santa Rosa",
        "Santa Rosa",
        "Carrer de Pablo Iglesias 3",
        "Bakery training young people of the neighbourhood.",
        &["food"],
    ),
    merchant(
        Trade::Shop,
        "mercat",
        "Parada Social del Mercat del Centre",
        "Centre",
        "Mercat del Centre, parada 14",
        "Market stall of a social enterprise: fresh food and basics.",
        &["food", "hygiene"],
    ),
    merchant(
        Trade::Shop,
        "llavor",
        "La Llavor, Botiga de Proximitat",
        "Fondo",
        "Carrer de Wagner 16",
        "Corner shop of a neighbourhood association.",
        &["food", "cleaning"],
    ),
    merchant(
        Trade::Shop,
        "llar",
        "Neteja i Llar Singuerlín",
        "Singuerlín",
        "Carrer de Bruc 8",
        "Cleaning and hygiene products refilled in your own bottles.",
        &["cleaning", "hygiene"],
    ),
    merchant(
        Trade::Supplier,
        "besos",
        "Cooperativa Agrícola del Besòs",
        "Riu Nord",
        "Camí del Riu s/n",
        "Market gardeners' cooperative supplying the town's shops.",
        &["food"],
    ),
    merchant(
        Trade::Supplier,
        "obrador",
        "Obrador de Pa Comunitari Gramenet",
        "Can Franquesa",
        "Carrer de Jaume I 52",
        "Community bakehouse supplying bread to shops.",
        &["food"],
    ),
    merchant(
        Trade::Supplier,
        "sabons",
        "Sabons de la Serra, Empresa d'Inserció",
        "Singuerlín",
        "Carrer de la Serra de Marina 11",
        "Soap and detergent workshop employing people leaving unemployment.",
        &["hygiene", "cleaning"],
    ),
    merchant(
        Trade::Supplier,
        "distribuidora",
        "Distribuïdora Ecològica del Barcelonès Nord",
        "Raval",
        "Carrer de Llorens Serra 24",
        "Wholesaler of organic and fair-trade goods.",
        &["food", "cleaning"],
    ),
    merchant(
        Trade::Supplier,
        "formatges",
        "Llet i Formatges Cooperativa Gramenet",
        "Can Mariner",
        "Carrer de Circumval·lació 2",
        "Dairy cooperative supplying milk and cheese to shops.",
        &["food"],
    ),
    merchant(
        Trade::Supplier,
        "envasos",
        "Envasos i Neteja Inserció SCCL",
        "Safaretjos",
        "Carrer de Sicília 19",
        "Work-integration cooperative making refill bottles and cleaning products.",
        &["cleaning"],
    ),
];

/// The login of a demo merchant's user.
pub fn demo_merchant_email(m: &DemoMerchant) -> String {
    if m.login == "merchant" {
        format!("merchant@{DEMO_TENANT}.example.org")
    } else {
        format!("merchant-{}@{DEMO_TENANT}.example.org", m.login)
    }
}

/// A small deterministic generator (SplitMix64) for the simulated trade.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi.saturating_sub(lo).saturating_add(1)).unwrap_or(1).max(1);
        lo.saturating_add(i64::try_from(self.next() % span).unwrap_or(0))
    }

    /// True with `percent` percent chance.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let n = u64::try_from(items.len()).ok()?;
        if n == 0 {
            return None;
        }
        items.get(usize::try_from(self.next() % n).ok()?)
    }
}

/// The id of a step of the simulated trade (derived from the step, like the currency's other
/// derived ids).
fn step_id(step: &str) -> Id {
    crate::currency::derived_id(&format!("demo/{DEMO_TENANT}/trade/{step}"))
}

/// The demo PIN's hash with light Argon2id parameters (8 KiB, one pass): hashed once, checked
/// in microseconds. Only the demo's cards use it.
fn demo_pin_hash() -> Result<String, AppError> {
    let params = argon2::Params::new(8, 1, 1, None).map_err(|e| AppError::Internal(format!("PIN hashing: {e}")))?;
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(DEMO_PIN.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("PIN hashing: {e}")))
}

/// A demo merchant as the app knows it once accredited.
struct Seeded {
    id: i64,
    user: Actor,
    trade: Trade,
    categories: &'static [&'static str],
}

/// A household's card and what it may spend, month by month.
struct Card {
    code: String,
    /// Units issued to the household up to the end of each demo month.
    issued_by_month: Vec<i64>,
    spent: i64,
}

impl App {
    /// Seeds the demo merchants, cards and trade (see the module's documentation); returns how
    /// many things it created.
    pub(crate) async fn seed_demo_trade(
        &self,
        tenant_id: i64,
        officer: &Actor,
        currency_id: i64,
        programme_id: i64,
    ) -> Result<usize, AppError> {
        let mut created = 0;
        let mut merchants = Vec::with_capacity(DEMO_MERCHANTS.len());
        let existing = self.list_merchants(officer, tenant_id, None, None, Some(crate::PAGE_MAX)).await?.items;
        for dm in &DEMO_MERCHANTS {
            let (user_id, organisation_id, new_user) = self.demo_merchant_user(tenant_id, dm).await?;
            created += usize::from(new_user);
            let id = match existing.iter().find(|m| m.name == dm.name) {
                Some(m) => m.id,
                None => {
                    let input = MerchantInput {
                        currency_id,
                        name: dm.name.into(),
                        registration: String::new(),
                        area: dm.area.into(),
                        address: dm.address.into(),
                        description: dm.description.into(),
                        categories: dm.categories.iter().map(|c| (*c).to_string()).collect(),
                        email: demo_merchant_email(dm),
                        phone: String::new(),
                        owner_user_id: Some(user_id),
                    };
                    let m = self.apply_merchant(officer, tenant_id, &input, &[]).await?;
                    self.review_merchant(officer, tenant_id, m.id, "accredit", "").await?;
                    created += 1;
                    m.id
                }
            };
            let subject = Subject { user_id, tenant_id, role: Role::Merchant, organisation_id: Some(organisation_id) };
            merchants.push(Seeded { id, user: Actor::User(subject), trade: dm.trade, categories: dm.categories });
        }
        let households = self.programme_households(officer, tenant_id, programme_id).await?;
        created += usize::from(self.demo_beneficiary(tenant_id, officer, programme_id).await?);
        // The trade is seeded once: its first payment's id tells whether it was.
        let first_payment = id_bytes(step_id("payment/0"));
        let mut conn = self.store().conn().await?;
        let seeded = conn.db().payment(&first_payment).await?.is_some();
        drop(conn);
        if seeded {
            return Ok(created);
        }
        let cards = self.demo_cards(tenant_id, officer, currency_id, &households).await?;
        created += cards.len();
        created += self.demo_trade(tenant_id, &merchants, cards).await?;
        Ok(created)
    }

    /// The merchant user of a demo shop and its organisation (created when missing).
    async fn demo_merchant_user(&self, tenant_id: i64, dm: &DemoMerchant) -> Result<(i64, i64, bool), AppError> {
        let system = Actor::System("demo");
        let email = demo_merchant_email(dm);
        let mut conn = self.store().conn().await?;
        let user = conn.db().user_by_email(&email).await?;
        let organisation = conn.db().organisation_by_name(tenant_id, dm.name).await?;
        drop(conn);
        let organisation_id = match organisation {
            Some(o) => o.id,
            None => self.create_organisation(&system, tenant_id, "merchant", dm.name, &email).await?.id,
        };
        Ok(match user {
            Some(u) => (u.id, organisation_id, false),
            None => {
                let input = NewUserInput {
                    email: &email,
                    display_name: dm.name,
                    role: Role::Merchant.as_str(),
                    organisation_id: Some(organisation_id),
                    password: crate::demo::DEMO_PASSWORD,
                };
                (self.create_user(&system, tenant_id, &input).await?.id, organisation_id, true)
            }
        })
    }

    /// The demo beneficiary's account, linked to household `SC-0001`; whether it was created.
    async fn demo_beneficiary(&self, tenant_id: i64, officer: &Actor, programme_id: i64) -> Result<bool, AppError> {
        let mut conn = self.store().conn().await?;
        let exists = conn.db().user_by_email(DEMO_BENEFICIARY).await?.is_some();
        drop(conn);
        if exists {
            return Ok(false);
        }
        let input = NewUserInput {
            email: DEMO_BENEFICIARY,
            display_name: "Demo beneficiary (Santa Coloma)",
            role: Role::Beneficiary.as_str(),
            organisation_id: None,
            password: crate::demo::DEMO_PASSWORD,
        };
        self.create_user(&Actor::System("demo"), tenant_id, &input).await?;
        self.link_household_user(officer, tenant_id, programme_id, DEMO_BENEFICIARY_HOUSEHOLD, DEMO_BENEFICIARY)
            .await?;
        Ok(true)
    }

    /// A card for every household, with the demo PIN.
    async fn demo_cards(
        &self,
        tenant_id: i64,
        officer: &Actor,
        currency_id: i64,
        households: &[HouseholdView],
    ) -> Result<Vec<(usize, Card)>, AppError> {
        let hash = tokio::task::spawn_blocking(demo_pin_hash)
            .await
            .map_err(|e| AppError::Internal(format!("PIN hashing: {e}")))??;
        let c = {
            let mut conn = self.store().conn().await?;
            conn.db()
                .currency(tenant_id, currency_id)
                .await?
                .ok_or_else(|| AppError::Internal("demo currency vanished".into()))?
        };
        let mut cards = Vec::with_capacity(households.len());
        for (n, h) in households.iter().enumerate() {
            let wallet = wallet_id(tenant_id, &c.code, &h.household);
            let issued = self.insert_card(officer, h.id, &h.household, &c, wallet, &hash).await?;
            let mut total = 0;
            let issued_by_month = DEMO_MONTHS
                .iter()
                .map(|month| {
                    let first = format!("{month}-01");
                    let eligible = h.eligible_from.as_str() <= format!("{month}-31").as_str()
                        && h.eligible_to.as_deref().is_none_or(|to| to >= first.as_str());
                    if eligible {
                        total += h.monthly_minor;
                    }
                    total
                })
                .collect();
            cards.push((n, Card { code: issued.code, issued_by_month, spent: 0 }));
        }
        Ok(cards)
    }

    /// The simulated months of trade; returns how many payments, circulations and redemptions
    /// it made.
    async fn demo_trade(
        &self,
        tenant_id: i64,
        merchants: &[Seeded],
        cards: Vec<(usize, Card)>,
    ) -> Result<usize, AppError> {
        let mut draw = Draw(SEED);
        let mut steps = 0usize;
        let mut payment = 0usize;
        let mut cards: Vec<Card> =
            cards.into_iter().filter(|(n, _)| *n >= DEMO_UNTOUCHED_HOUSEHOLDS).map(|(_, c)| c).collect();
        let shops: Vec<&Seeded> = merchants.iter().filter(|m| m.trade == Trade::Shop).collect();
        let suppliers: Vec<&Seeded> = merchants.iter().filter(|m| m.trade == Trade::Supplier).collect();
        // What each merchant received in the month, to pass some of it on.
        let mut received = vec![0i64; merchants.len()];
        let index_of = |id: i64| merchants.iter().position(|m| m.id == id).unwrap_or(0);
        for month in 0..DEMO_MONTHS.len() {
            received.iter_mut().for_each(|r| *r = 0);
            // Households do the month's shopping: one or two payments, mostly food.
            for card in &mut cards {
                let available = card.issued_by_month.get(month).copied().unwrap_or(0);
                let times = if draw.chance(35) { 2 } else { 1 };
                for _ in 0..times {
                    let room = available.min(SPEND_PER_HOUSEHOLD_MAX_MINOR) - card.spent;
                    let wanted = draw.between(4_000, 13_000);
                    let amount = wanted.min(room);
                    if amount < 500 {
                        break;
                    }
                    let roll = draw.between(0, 99);
                    let category = match roll {
                        0..=64 => "food",
                        65..=84 => "hygiene",
                        _ => "cleaning",
                    };
                    let sellers: Vec<&Seeded> =
                        shops.iter().copied().filter(|s| s.categories.contains(&category)).collect();
                    let Some(shop) = draw.pick(&sellers) else { continue };
                    let input = PaymentInput {
                        payment_id: format_id(step_id(&format!("payment/{payment}"))),
                        merchant_id: shop.id,
                        card_code: card.code.clone(),
                        pin: DEMO_PIN.into(),
                        amount: minor_to_decimal(amount, 2),
                        category: category.into(),
                        hold: false,
                        hold_s: None,
                    };
                    payment += 1;
                    match self.take_payment(&shop.user, tenant_id, &input).await? {
                        Ok(p) => {
                            card.spent += p.amount_minor;
                            received[index_of(shop.id)] += p.amount_minor;
                            steps += 1;
                        }
                        Err(refusal) => {
                            return Err(AppError::Internal(format!("demo payment refused: {}", refusal.message)));
                        }
                    }
                }
            }
            // Shops buy from suppliers with most of what they took (round two); suppliers
            // spend part of what they took at other suppliers and at shops (round three).
            for m in merchants {
                let i = index_of(m.id);
                let (percent, parts) = match m.trade {
                    Trade::Shop => (80, draw.between(1, 2)),
                    Trade::Supplier => (75, draw.between(2, 3)),
                };
                let mut left = received[i] * percent / 100;
                for part in 0..parts {
                    let amount = if part + 1 == parts { left } else { left * draw.between(30, 60) / 100 };
                    let to_shop = m.trade == Trade::Supplier && draw.chance(25);
                    let others: Vec<&Seeded> = if to_shop {
                        shops.clone()
                    } else {
                        suppliers.iter().copied().filter(|s| s.id != m.id).collect()
                    };
                    let Some(to) = draw.pick(&others) else { continue };
                    if amount < 100 {
                        continue;
                    }
                    let input = CirculationInput {
                        payment_id: format_id(step_id(&format!("circulation/{month}/{}/{part}", m.id))),
                        to_merchant_id: to.id,
                        amount: minor_to_decimal(amount, 2),
                    };
                    self.pay_merchant(&m.user, tenant_id, m.id, &input).await?;
                    received[index_of(to.id)] += amount;
                    left -= amount;
                    steps += 1;
                }
            }
            // From the second month on, a few merchants redeem part of what they hold.
            if month > 0 {
                for m in merchants {
                    if !draw.chance(if m.trade == Trade::Supplier { 50 } else { 45 }) {
                        continue;
                    }
                    let balance = self.merchant_balance(&m.user, tenant_id, m.id).await?.balance_minor;
                    let amount = balance * draw.between(20, 40) / 100;
                    if amount < 1_000 {
                        continue;
                    }
                    let input = RedemptionInput {
                        request_id: format_id(step_id(&format!("redemption/{month}/{}", m.id))),
                        amount: minor_to_decimal(amount, 2),
                    };
                    self.redeem(&m.user, tenant_id, m.id, &input).await?;
                    steps += 1;
                }
            }
        }
        Ok(steps)
    }
}
