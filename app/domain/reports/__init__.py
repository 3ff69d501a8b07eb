"""Reports area: the funnel, the lead report and the deals report, with their tables and XLSX."""
