# SPDX-License-Identifier: MIT
"""Fake shops for the connectors: one module per shop API (shopify.py,
woocommerce.py, allegro.py, baselinker.py), each a ShopServer (base.py)
that speaks that shop's request and answer shapes, checks its auth, keeps
the refunds it made and can be told to fail the ways the real one does."""
