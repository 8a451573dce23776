//! Graphs the core renders (with plotters) for the UI to show as SVG.

use serde::{Deserialize, Serialize};

use crate::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadChartKind {
    /// Number of leads in each state.
    ByState,
    /// How many leads reached each stage: pending, development, quoting, customer.
    Funnel,
    /// Weighted value of open leads by expected close month, stacked by state.
    PipelineByMonth,
    /// Won / (won + lost) per month the leads were closed.
    WinRate,
}

impl LeadChartKind {
    pub const ALL: [LeadChartKind; 4] = [LeadChartKind::ByState, LeadChartKind::Funnel, LeadChartKind::PipelineByMonth, LeadChartKind::WinRate];
}

/// Which leads a chart covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ChartScope {
    All,
    Program(Id),
    Source(Id),
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSvg {
    pub title: String,
    /// A complete `<svg>` document.
    pub svg: String,
}
