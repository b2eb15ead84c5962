export { MARKET_EFFECTS, MarketStore, type MarketEffect } from './market-store.js';
export { createMarketService } from './create-market-service.js';
export { MARKET_DOMAIN, type MarketContext } from './market-context.js';
export { createMarketReactions, type MarketReactions } from './create-market-reactions.js';
