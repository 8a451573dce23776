//! Estimates on a lead and the orders they become when the lead is won. Money is integer cents,
//! quantities integer thousandths (1.5 hours = 1500), discounts and tax rates basis points
//! (2.5 % = 250). Never floating point.

use serde::{Deserialize, Serialize};

use crate::Id;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimateLineInput {
    /// A product name or a free description.
    pub description: String,
    pub quantity_milli: i64,
    pub unit_price_cents: i64,
    #[serde(default)]
    pub discount_bp: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimateInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tax_rate_bp: i64,
    pub lines: Vec<EstimateLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimateLine {
    pub line: EstimateLineInput,
    /// quantity x unit price x (1 - discount), rounded half up to the cent.
    pub total_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub id: Id,
    pub lead_id: Id,
    pub estimate_number: String,
    pub title: String,
    pub tax_rate_bp: i64,
    /// The estimate that becomes the order when the lead is won.
    pub chosen: bool,
    pub lines: Vec<EstimateLine>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Made for a New Account customer: waits for approval before it can be fulfilled.
    AwaitingApproval,
    Open,
    Cancelled,
    Closed,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingApproval => "awaiting_approval",
            OrderStatus::Open => "open",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<OrderStatus> {
        [OrderStatus::AwaitingApproval, OrderStatus::Open, OrderStatus::Cancelled, OrderStatus::Closed].into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingApproval => "Awaiting approval",
            OrderStatus::Open => "Open",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Closed => "Closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: Id,
    pub order_number: String,
    pub company_id: Id,
    pub company_name: String,
    pub lead_id: Option<Id>,
    pub lead_number: Option<String>,
    pub estimate_id: Option<Id>,
    pub status: OrderStatus,
    pub lines: Vec<EstimateLine>,
    pub tax_rate_bp: i64,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    /// The credit warning shown when the order was made (Past Due), or empty.
    pub warning: String,
    pub created_at: String,
}

/// One line of a customer's order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: Id,
    pub order_number: String,
    pub lead_number: Option<String>,
    pub status: OrderStatus,
    pub total_cents: i64,
    pub created_at: String,
}
