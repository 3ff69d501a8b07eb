"""Excel area: export fields and schemas, the export run, the import, the streaming XLSX writer."""
