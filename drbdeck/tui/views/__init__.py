"""The console's views (Nodes, Resources, Placement, Log) and the resource drill-down."""
