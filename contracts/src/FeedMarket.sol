// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IFeedMarket} from "./interfaces/IFeedMarket.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "./interfaces/IDeviceOwnership.sol";

/// @title Feed market: device owners sell time-limited consents to their data streams.
/// @notice Trust model:
/// - The market holds no rights of its own. An owner approves it as grant agent on the consent
///   registry (setGrantAgent); the registry then lets it grant consents for that owner, and checks
///   at every grant that the owner still owns each device (ownership epoch). A device that changed
///   hands therefore makes its feed unsellable: the purchase reverts and the buyer keeps the money.
/// - Offering checks ownership and the agent approval up front (clear errors early); buying checks
///   the agent approval again (it can be withdrawn) and leaves device ownership, stream bits and the
///   policy to the registry, whose errors come through unchanged.
/// - Payment is exactly the current price: a price change between signing and inclusion makes the
///   purchase revert instead of charging a different amount.
/// - Earnings are credited to the owner at purchase and paid out by pull (withdrawEarnings), so the
///   contract's balance is always the sum of unwithdrawn earnings.
/// - Closing a feed stops new sales only; consents already sold run their period (the owner can
///   still revoke a consent on the registry, as for any consent: that is the registry's rule).
contract FeedMarket is ReentrancyGuard, IFeedMarket {
    /// @notice Most devices in one feed.
    uint256 public constant MAX_FEED_DEVICES = 16;
    /// @notice Longest period one purchase buys.
    uint64 public constant MAX_PERIOD = 1825 days;
    /// @notice Longest purpose, in bytes.
    uint256 public constant MAX_PURPOSE_LENGTH = 256;
    /// @notice Streams are bits 0..7 (metric i of the device profile).
    uint32 internal constant STREAM_BITS = 0xff;

    /// @notice The consent registry the market grants through.
    IConsentRegistry public immutable consents;
    /// @notice The device ownership token (checked when a feed is offered).
    IDeviceOwnership public immutable ownership;

    /// @dev A purchase as stored in its buyer's list (two slots). `previous` is the 1-based index in
    /// the same list of the buyer's purchase of the same feed before this one (0 = none).
    struct StoredPurchase {
        uint64 feedId;
        uint64 start;
        uint64 expiry;
        uint64 previous;
        uint128 consentId;
        uint128 price;
    }

    mapping(uint256 feedId => Feed) private _feeds;
    mapping(address owner => uint256[] feedIds) private _feedsOf;
    mapping(address owner => uint256) private _earnings;
    mapping(address buyer => StoredPurchase[]) private _purchases;
    /// @dev 1-based index into _purchases[buyer] of the buyer's latest purchase of a feed.
    mapping(uint256 feedId => mapping(address buyer => uint256)) private _latest;
    uint256 private _feedCount;

    /// @param consents_ The consent registry (IConsentRegistry); owners approve this market on it.
    /// @param ownership_ The device ownership token (IDeviceOwnership).
    constructor(IConsentRegistry consents_, IDeviceOwnership ownership_) {
        if (address(consents_) == address(0) || address(ownership_) == address(0)) revert InvalidDependency();
        consents = consents_;
        ownership = ownership_;
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IFeedMarket
    function offerFeed(
        address[] calldata devices,
        uint32 streams,
        uint256 priceWei,
        uint64 periodSeconds,
        bytes32 policyId,
        string calldata purpose
    ) external returns (uint256 feedId) {
        uint256 n = devices.length;
        if (n == 0) revert NoDevices();
        if (n > MAX_FEED_DEVICES) revert TooManyDevices(n, MAX_FEED_DEVICES);
        for (uint256 i; i < n; ++i) {
            address device = devices[i];
            for (uint256 j; j < i; ++j) {
                if (devices[j] == device) revert DuplicateDevice(device);
            }
            if (ownership.ownerOfDevice(device) != msg.sender) revert NotDeviceOwner(device, msg.sender);
        }
        if (streams == 0 || streams & ~STREAM_BITS != 0) revert InvalidStreams(streams);
        _requirePrice(priceWei);
        if (periodSeconds == 0 || periodSeconds > MAX_PERIOD) revert InvalidPeriod(periodSeconds);
        uint256 purposeLength = bytes(purpose).length;
        if (purposeLength == 0) revert EmptyPurpose();
        if (purposeLength > MAX_PURPOSE_LENGTH) revert PurposeTooLong(purposeLength, MAX_PURPOSE_LENGTH);
        if (!consents.isGrantAgent(msg.sender, address(this))) revert MarketNotGrantAgent(msg.sender);

        feedId = ++_feedCount;
        Feed storage f = _feeds[feedId];
        f.owner = msg.sender;
        f.streams = streams;
        f.period = periodSeconds;
        f.open = true;
        f.offeredAt = uint64(block.timestamp);
        f.price = priceWei;
        f.policyId = policyId;
        f.devices = devices;
        f.purpose = purpose;
        _feedsOf[msg.sender].push(feedId);
        emit FeedOffered(feedId, msg.sender, devices, streams, priceWei, periodSeconds, policyId, purpose);
    }

    /// @inheritdoc IFeedMarket
    function updateFeedPrice(uint256 feedId, uint256 priceWei) external {
        Feed storage f = _ownedOpenFeed(feedId);
        _requirePrice(priceWei);
        uint256 previous = f.price;
        f.price = priceWei;
        emit FeedPriceUpdated(feedId, previous, priceWei);
    }

    /// @inheritdoc IFeedMarket
    function closeFeed(uint256 feedId) external {
        Feed storage f = _ownedOpenFeed(feedId);
        f.open = false;
        emit FeedClosed(feedId, msg.sender);
    }

    /// @inheritdoc IFeedMarket
    function withdrawEarnings() external nonReentrant {
        uint256 amount = _earnings[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _earnings[msg.sender] = 0;
        emit EarningsWithdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender);
    }

    // ------------------------------------------------------------------ buyers

    /// @inheritdoc IFeedMarket
    function buyFeed(uint256 feedId) external payable nonReentrant returns (uint256 consentId) {
        Feed storage f = _requireFeed(feedId);
        if (!f.open) revert FeedIsClosed(feedId);
        address owner = f.owner;
        if (msg.sender == owner) revert OwnFeed(feedId);
        uint256 price = f.price;
        if (msg.value != price) revert WrongPayment(price, msg.value);
        if (!consents.isGrantAgent(owner, address(this))) revert MarketNotGrantAgent(owner);

        uint64 start = _renewalStart(feedId);
        uint64 expiry = start + f.period;
        consentId = consents.grantConsentFor(
            owner,
            IConsentRegistry.ConsentTerms({
                recipient: msg.sender,
                devices: f.devices,
                streams: f.streams,
                commands: 0,
                policyId: f.policyId,
                start: start,
                expiry: expiry
            }),
            f.purpose
        );

        _earnings[owner] += price;
        ++f.sales;
        StoredPurchase[] storage list = _purchases[msg.sender];
        list.push(
            StoredPurchase({
                feedId: uint64(feedId),
                start: start,
                expiry: expiry,
                previous: uint64(_latest[feedId][msg.sender]),
                consentId: uint128(consentId),
                price: uint128(price)
            })
        );
        _latest[feedId][msg.sender] = list.length;
        emit FeedPurchased(feedId, msg.sender, consentId, price, start, expiry);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IFeedMarket
    function feed(uint256 feedId) external view returns (Feed memory) {
        return _requireFeed(feedId);
    }

    /// @inheritdoc IFeedMarket
    function feedsOf(address owner) external view returns (uint256[] memory) {
        return _feedsOf[owner];
    }

    /// @inheritdoc IFeedMarket
    function earningsOf(address owner) external view returns (uint256) {
        return _earnings[owner];
    }

    /// @inheritdoc IFeedMarket
    function purchasesOf(address buyer) external view returns (Purchase[] memory purchases) {
        StoredPurchase[] storage list = _purchases[buyer];
        uint256 n = list.length;
        purchases = new Purchase[](n);
        for (uint256 i; i < n; ++i) {
            StoredPurchase storage p = list[i];
            purchases[i] = Purchase({
                feedId: p.feedId,
                buyer: buyer,
                start: p.start,
                expiry: p.expiry,
                consentId: p.consentId,
                price: p.price
            });
        }
    }

    /// @inheritdoc IFeedMarket
    function latestConsentOf(uint256 feedId, address buyer) external view returns (uint256) {
        uint256 index = _latest[feedId][buyer];
        return index == 0 ? 0 : _purchases[buyer][index - 1].consentId;
    }

    /// @inheritdoc IFeedMarket
    function feedCount() external view returns (uint256) {
        return _feedCount;
    }

    // ------------------------------------------------------------------ internal

    function _requireFeed(uint256 feedId) private view returns (Feed storage f) {
        f = _feeds[feedId];
        if (f.owner == address(0)) revert UnknownFeed(feedId);
    }

    function _ownedOpenFeed(uint256 feedId) private view returns (Feed storage f) {
        f = _requireFeed(feedId);
        if (f.owner != msg.sender) revert NotFeedOwner(feedId, msg.sender);
        if (!f.open) revert FeedIsClosed(feedId);
    }

    function _requirePrice(uint256 priceWei) private pure {
        if (priceWei == 0 || priceWei > type(uint128).max) revert InvalidPrice(priceWei);
    }

    /// @dev Where the caller's new consent from this feed starts: at the expiry of its latest
    /// purchase of the feed that is unexpired and not revoked, else now. Walks back over revoked
    /// purchases (an owner may revoke a prepaid renewal), so the new consent never overlaps one the
    /// buyer still holds and never leaves a gap after one it still holds.
    function _renewalStart(uint256 feedId) private view returns (uint64) {
        uint64 now_ = uint64(block.timestamp);
        StoredPurchase[] storage list = _purchases[msg.sender];
        uint256 index = _latest[feedId][msg.sender];
        while (index != 0) {
            StoredPurchase storage p = list[index - 1];
            if (p.expiry <= now_) break; // and so did every earlier unrevoked one (it ended before p began)
            if (consents.consent(p.consentId).revokedAt == 0) return p.expiry;
            index = p.previous;
        }
        return now_;
    }
}
