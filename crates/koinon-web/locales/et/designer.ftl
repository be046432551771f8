# koinon — outcomes contract designer (one step per page, check your answers).
