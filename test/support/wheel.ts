// Moved to tools/doubles/ (the bench uses it too; product code never imports test code).
export * from "../../tools/doubles/wheel";
