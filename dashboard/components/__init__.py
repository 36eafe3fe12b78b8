"""What several pages share: settings bound to the URL, the iteration viewer, figures,
downloads, sharing, and the hand-over of an upload between pages."""
