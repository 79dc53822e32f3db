using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Recommender.Data.Migrations
{
    /// <inheritdoc />
    public partial class UserRatingsVersion : Migration
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
        }
    }
}
