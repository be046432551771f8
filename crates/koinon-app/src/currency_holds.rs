//! A shop's open holds: card payments taken as a hold (two-phase) that the ledger still keeps
//! pending and has not yet released at their timeout. The point of sale lists them so that the
//! shop can capture all or part of each (`App::capture_payment`) or release it
//! (`App::void_payment`).

use serde::Serialize;

use crate::currency_payments::last_four;
use crate::currency_statement::viewed_merchant;
use crate::merchants::id_text;
use crate::{Actor, App, AppError};

/// Open holds listed at a point of sale, those due first.
pub const OPEN_HOLDS_MAX: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldView {
    /// The payment id of the hold.
    pub id: String,
    pub currency: String,
    pub scale: u8,
    pub amount_minor: i64,
    pub category: String,
    /// The last four symbols of the card.
    pub card: String,
    pub created_at_us: i64,
    /// When the ledger releases the hold if it is not captured (microseconds); `None`: never.
    pub expires_at_us: Option<i64>,
}

impl App {
    /// The merchant's holds that are still open, those that expire first first, at most
    /// [`OPEN_HOLDS_MAX`] (its own user; staff who see merchants).
    pub async fn merchant_open_holds(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
    ) -> Result<Vec<HoldView>, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (m, c) = viewed_merchant(&mut db, actor, tenant_id, merchant_id).await?;
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let rows = db.merchant_open_holds(m.id, self.clock_now_us(), OPEN_HOLDS_MAX).await?;
        Ok(rows
            .into_iter()
            .map(|h| HoldView {
                id: id_text(&h.id),
                currency: c.code.clone(),
                scale,
                amount_minor: h.amount_minor,
                category: h.category,
                card: last_four(&h.card_code),
                created_at_us: h.created_at_us,
                expires_at_us: (h.expires_at_us > 0).then_some(h.expires_at_us),
            })
            .collect())
    }
}
