"""Edge agent: cameras, door controllers, QR scanners, store-and-forward."""
