// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {MockConsentRegistryForFeeds} from "./MockConsentRegistryForFeeds.sol";
import {FeedMarket} from "../../src/FeedMarket.sol";
import {IConsentRegistry} from "../../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";

/// @notice The one fixture of the feed market tests. The consent registry (and the ownership token it
/// stands in for) is MockConsentRegistryForFeeds until the real ConsentRegistry is merged: to run the
/// suites against the real contracts, change only deployWorld and the world actions below.
abstract contract FeedMarketBase is Test {
    FeedMarket internal market;
    MockConsentRegistryForFeeds internal registry;

    address internal council = address(0xC0C1);
    address internal buyer = address(0xB0B);
    address internal otherBuyer = address(0xB0C);
    address internal stranger = address(0xBAD);

    address internal d1 = address(0xD1);
    address internal d2 = address(0xD2);
    address internal d3 = address(0xD3);

    uint256 internal constant T0 = 1_750_000_000;
    uint32 internal constant PM25_NO2 = 0x5; // bits 0 (pm25) and 2 (no2)
    uint256 internal constant PRICE = 0.05 ether;
    uint64 internal constant PERIOD = 30 days;
    string internal constant PURPOSE = "air-quality research";

    function setUp() public virtual {
        vm.warp(T0);
        deployWorld();
        mintDevice(d1, council);
        mintDevice(d2, council);
        mintDevice(d3, council);
        approveMarket(council, true);
        vm.deal(buyer, 100 ether);
        vm.deal(otherBuyer, 100 ether);
        vm.deal(council, 1 ether);
    }

    // ================================================================ world (the one place to swap)

    function deployWorld() internal {
        registry = new MockConsentRegistryForFeeds();
        market = new FeedMarket(IConsentRegistry(address(registry)), IDeviceOwnership(address(registry)));
    }

    function mintDevice(address device, address owner) internal {
        registry.mintDevice(device, owner);
    }

    function transferDevice(address device, address to) internal {
        registry.transferDevice(device, to);
    }

    function approveMarket(address owner, bool allowed) internal {
        vm.prank(owner);
        registry.setGrantAgent(address(market), allowed);
    }

    function revokeConsent(address owner, uint256 consentId) internal {
        vm.prank(owner);
        registry.revokeConsent(consentId);
    }

    // ================================================================ helpers

    function devices2() internal view returns (address[] memory ds) {
        ds = new address[](2);
        ds[0] = d1;
        ds[1] = d2;
    }

    function offer() internal returns (uint256) {
        return offerAs(council, devices2(), PRICE, PERIOD);
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
}
