/** The product's version, package.json's (the compiled build carries its own copy beside it). */
import packageJson from "../package.json";

export const VERSION: string = packageJson.version;
