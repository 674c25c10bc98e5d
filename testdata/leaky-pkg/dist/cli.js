"use strict";Object.defineProperty(exports,"__esModule",{value:!0});const GITHUB_TOKEN="ghp_R7nK2mVx9QpL4sT8wYb3Jc6Hd1Fg5Ae0Zu2N";function main(){console.log("leaky",GITHUB_TOKEN.length)}exports.main=main;
//# sourceMappingURL=cli.js.map
