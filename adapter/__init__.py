"""venue-balances: exact subaccount balances from Kalshi and CoinSwitch DMA."""
