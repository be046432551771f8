# koinon — outcomes contract dashboard and public summary.
