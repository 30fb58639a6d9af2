// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentWorld} from "./ConsentWorld.sol";

/// @notice The one fixture of the feed market tests, on the real contracts wired as `deployPythia`
/// wires them (ConsentWorld: fleet, identity, ownership, policy and consent registries, market).
/// alice owns the world's devices (d1, d2, d3 = devices[0..2]) and has approved the market as her
/// grant agent; buyer and otherBuyer hold 100 ether each.
abstract contract FeedMarketBase is ConsentWorld {
    address internal otherBuyer = address(0xB0C);

    address internal d1;
    address internal d2;
    address internal d3;

    uint32 internal constant PM25_NO2 = STREAMS; // bits 0 (pm25) and 2 (no2)
    uint256 internal constant PRICE = 0.05 ether;
    uint64 internal constant PERIOD = 30 days;

    /// @dev Device keys keyOf(100..103) are the world's; newDevice takes the next ones.
    uint256 private _nextDeviceKey = 200;

    function setUp() public virtual override {
        super.setUp();
        (d1, d2, d3) = (devices[0], devices[1], devices[2]);
        approveMarket(alice, true);
        vm.deal(buyer, 100 ether);
        vm.deal(otherBuyer, 100 ether);
        vm.deal(alice, 1 ether);
        vm.label(otherBuyer, "otherBuyer");
    }

    // ================================================================ world actions

    /// @dev A freshly provisioned device (factory-signed key), transferred to `owner`.
    function newDevice(address owner) internal returns (address device) {
        device = provision(keyOf(_nextDeviceKey++));
        transfer(device, owner);
    }

    function approveMarket(address owner, bool allowed) internal {
        vm.prank(owner);
        consents.setGrantAgent(address(market), allowed);
    }

    // ================================================================ helpers

    function devices2() internal view returns (address[] memory ds) {
        ds = new address[](2);
        ds[0] = d1;
        ds[1] = d2;
    }

    function offer() internal returns (uint256) {
        return offerAs(alice, devices2(), PRICE, PERIOD);
    }

    function offerAs(address owner, address[] memory ds, uint256 price, uint64 period) internal returns (uint256) {
        vm.prank(owner);
        return market.offerFeed(ds, PM25_NO2, price, period, bytes32(0), PURPOSE);
    }

    function buy(address who, uint256 feedId) internal returns (uint256) {
        uint256 price = market.feed(feedId).price;
        vm.prank(who);
        return market.buyFeed{value: price}(feedId);
    }

    /// @dev Anyone settles every purchase so far: what is served is released, what ended is refunded.
    function settleAll() internal returns (uint256 released, uint256 refunded) {
        uint256 n = market.purchaseCount();
        uint256[] memory ids = new uint256[](n);
        for (uint256 i; i < n; ++i) ids[i] = i + 1;
        return market.settlePurchases(ids);
    }

    function held() internal view returns (uint256 h) {
        (h, , ) = market.totals();
    }
}
