# koinon — outcomes evidence files, spreadsheet uploads, drawdowns and waterfall terms.
