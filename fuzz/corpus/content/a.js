const t="ghp_0123456789abcdefghijABCDEFGHIJ012345";
//# sourceMappingURL=a.js.map
