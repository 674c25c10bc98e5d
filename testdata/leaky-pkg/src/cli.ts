// The original source that the source map hands out.
const GITHUB_TOKEN = "ghp_R7nK2mVx9QpL4sT8wYb3Jc6Hd1Fg5Ae0Zu2N";
export function main(): void {
  console.log("leaky", GITHUB_TOKEN.length);
}
