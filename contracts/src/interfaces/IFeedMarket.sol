// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Feed market (issues #5, #12): device owners sell time-limited consents to their data streams.
/// @notice An owner (e.g. the council) offers a feed: devices it owns, a set of streams (bit i =
/// metric i of the devices' profile), a price in wei, a period and a purpose. A buyer pays exactly
/// the price and receives, through the consent registry (IConsentRegistry.grantConsentFor, the market
/// being the owner's approved grant agent), a consent to those streams for one period; paying is
/// accepting the feed policy's terms (IRecipientTerms.acceptTermsForBuyer). The payment is held by the
/// market and released to the owner as the period is served (settlePurchases); if the owner revokes
/// the consent or a device changes hands, the unserved part is refunded to the buyer. Both are
/// withdrawn by pull. docs/contracts.md ("Data feeds") is the prose version.
interface IFeedMarket {
    /// @notice A feed as stored.
    struct Feed {
        address owner;
        uint32 streams;
        uint64 period; // seconds each purchase buys
        bool open; // false once closed (for good): no new sales
        uint64 offeredAt;
        uint64 sales; // purchases so far
        uint256 price; // wei, > 0
        bytes32 policyId; // 0 = no policy (no onward sharing)
        address[] devices;
        string purpose;
    }

    /// @notice One purchase: the consent it bought, the window of that consent and its money.
    struct Purchase {
        uint256 purchaseId;
        uint256 feedId;
        address buyer;
        address owner; // the seller
        uint64 start;
        uint64 expiry; // exclusive
        uint256 consentId;
        uint256 price; // wei paid
        uint256 released; // credited to the owner so far
        uint256 refunded; // credited back to the buyer
        bool settled; // the purchase ended and its whole price is released or refunded
    }

    event FeedOffered(
        uint256 indexed feedId,
        address indexed owner,
        address[] devices,
        uint32 streams,
        uint256 price,
        uint64 period,
        bytes32 policyId,
        string purpose
    );
    event FeedPriceUpdated(uint256 indexed feedId, uint256 previousPrice, uint256 price);
    event FeedClosed(uint256 indexed feedId, address indexed owner);
    /// @notice `buyer` paid `price` and received consent `consentId`, valid [start, expiry), as purchase `purchaseId`.
    event FeedPurchased(
        uint256 indexed feedId,
        address indexed buyer,
        uint256 indexed consentId,
        uint256 price,
        uint64 start,
        uint64 expiry,
        uint256 purchaseId
    );
    event EarningsWithdrawn(address indexed owner, uint256 amount);
    /// @notice `amount` of a purchase's price was released to its owner (the period served so far).
    event PaymentReleased(uint256 indexed purchaseId, address indexed owner, uint256 amount);
    /// @notice The purchase ended at `endedAt` (revoked, a device changed hands, or expired); `amount`,
    /// the unserved part, was credited back to the buyer.
    event PurchaseRefunded(uint256 indexed purchaseId, address indexed buyer, uint256 amount, uint64 endedAt);
    event RefundWithdrawn(address indexed buyer, uint256 amount);

    /// @notice A constructor dependency is the zero address.
    error InvalidDependency();
    error NoDevices();
    error TooManyDevices(uint256 count, uint256 max);
    error DuplicateDevice(address device);
    /// @notice The caller does not own the device (IDeviceOwnership.ownerOfDevice).
    error NotDeviceOwner(address device, address caller);
    /// @notice Streams must be a non-zero mask of the first 8 metrics.
    error InvalidStreams(uint32 streams);
    /// @notice The price is zero or above 2^128-1 wei. Free feeds are not sold here: an owner shares
    /// for free with IConsentRegistry.grantConsent.
    error InvalidPrice(uint256 price);
    /// @notice A period must be 1 second to MAX_PERIOD.
    error InvalidPeriod(uint64 period);
    error EmptyPurpose();
    error PurposeTooLong(uint256 length, uint256 max);
    /// @notice The owner has not approved this market as its grant agent (IConsentRegistry.setGrantAgent).
    error MarketNotGrantAgent(address owner);
    error UnknownFeed(uint256 feedId);
    error NotFeedOwner(uint256 feedId, address caller);
    error FeedIsClosed(uint256 feedId);
    /// @notice The payment must be exactly the current price (no change is given, no tips kept).
    error WrongPayment(uint256 price, uint256 paid);
    /// @notice An owner cannot buy its own feed.
    error OwnFeed(uint256 feedId);
    error NothingToWithdraw(address owner);
    error WithdrawFailed(address owner);
    error UnknownPurchase(uint256 purchaseId);

    /// @notice Offers a feed of the caller's devices. The caller must own every device now and have
    /// approved this market as its grant agent. Returns the feed id (1, 2, ...).
    function offerFeed(
        address[] calldata devices,
        uint32 streams,
        uint256 priceWei,
        uint64 periodSeconds,
        bytes32 policyId,
        string calldata purpose
    ) external returns (uint256 feedId);

    /// @notice The feed's owner changes the price of an open feed (affects later purchases only).
    function updateFeedPrice(uint256 feedId, uint256 priceWei) external;

    /// @notice The feed's owner closes it for good: no new sales; consents already sold run their period.
    function closeFeed(uint256 feedId) external;

    /// @notice Buys one period of an open feed, paying exactly its price, and accepts the terms of the
    /// feed's policy (IRecipientTerms.termsForPolicy) for the consent bought. The consent starts now,
    /// or at the expiry of the caller's latest consent from this feed while that one is unexpired and
    /// unrevoked (a renewal bought early extends without overlap). Reverts, and the buyer keeps the
    /// money, if the owner no longer owns a device or no longer approves the market (the consent
    /// registry's own errors, e.g. IConsentRegistry.NotDeviceOwner, come through unchanged).
    function buyFeed(uint256 feedId) external payable returns (uint256 consentId);

    /// @notice Anyone releases to the owners what each purchase's served time has earned, and, for a
    /// purchase that has ended (expired, revoked, a device changed hands), refunds the rest to its
    /// buyer and closes it. Settled or unknown ids are skipped. Returns the wei released and refunded.
    function settlePurchases(uint256[] calldata purchaseIds) external returns (uint256 released, uint256 refunded);

    /// @notice Pays the caller's earnings out (pull).
    function withdrawEarnings() external;

    /// @notice Pays the caller's refunds out (pull).
    function withdrawRefund() external;

    /// @notice A feed (reverts UnknownFeed).
    function feed(uint256 feedId) external view returns (Feed memory);

    /// @notice Ids of every feed `owner` offered, oldest first (closed ones included).
    function feedsOf(address owner) external view returns (uint256[] memory);

    /// @notice Wei credited to `owner` and not yet withdrawn.
    function earningsOf(address owner) external view returns (uint256);

    /// @notice Every purchase by `buyer`, oldest first.
    function purchasesOf(address buyer) external view returns (Purchase[] memory);

    /// @notice A purchase (reverts UnknownPurchase).
    function purchase(uint256 purchaseId) external view returns (Purchase memory);

    /// @notice When a purchase stops being served: its expiry, or earlier its consent's revocation or
    /// the first change of owner of one of its devices (never before its start).
    function purchaseEnd(uint256 purchaseId) external view returns (uint64);

    /// @notice Wei refunded to `buyer` and not yet withdrawn.
    function refundOf(address buyer) external view returns (uint256);

    /// @notice Wei held for purchases (paid, neither released nor refunded), credited earnings and
    /// credited refunds: the market's balance is their sum.
    function totals() external view returns (uint256 held, uint256 earnings, uint256 refunds);

    /// @notice Number of purchases so far (ids are 1..purchaseCount()).
    function purchaseCount() external view returns (uint256);

    /// @notice The consent id of `buyer`'s latest purchase of `feedId` (0 = none).
    function latestConsentOf(uint256 feedId, address buyer) external view returns (uint256 consentId);

    /// @notice Number of feeds offered so far (ids are 1..feedCount()).
    function feedCount() external view returns (uint256);
}
