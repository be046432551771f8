//! Investor and commissioner figures for outcomes contracts: XIRR, money multiple, payback,
//! maximum loss, NPV, benefit–cost ratio, break-even outcome rate, and the distribution
//! waterfall. Amounts are integer minor units.
