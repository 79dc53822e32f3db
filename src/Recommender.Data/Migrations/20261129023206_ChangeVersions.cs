using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Recommender.Data.Migrations
{
    /// <inheritdoc />
    public partial class ChangeVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RatingsVersion",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "UserDeletedVersion",
                table: "store_state",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.UpdateData(
                table: "store_state",
                keyColumn: "Id",
                keyValue: 1,
                column: "UserDeletedVersion",
                value: 0L);

            migrationBuilder.CreateIndex(
                name: "IX_users_RatingsVersion",
                table: "users",
                column: "RatingsVersion");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_users_RatingsVersion",
                table: "users");

            migrationBuilder.DropColumn(
                name: "RatingsVersion",
                table: "users");

            migrationBuilder.DropColumn(
                name: "UserDeletedVersion",
                table: "store_state");
        }
    }
}
